#include "harness/runner/config.h"

#include <gtest/gtest.h>

namespace faultline::harness::runner {
namespace {

TEST(RunConfig, DefaultsAreValidAndNamedByTargetAndWorkload) {
  RunConfig c;
  EXPECT_TRUE(validate(c).ok());
  EXPECT_EQ(c.name(), "raft-register");
  c.test_name = "nightly";
  EXPECT_EQ(c.name(), "nightly");
}

TEST(RunConfig, EachBadOptionIsNamedInTheError) {
  auto error_of = [](auto change) {
    RunConfig c;
    change(c);
    auto s = validate(c);
    return s.ok() ? std::string() : s.error().message;
  };
  EXPECT_NE(error_of([](RunConfig& c) { c.target = "cassandra"; }).find("--target"), std::string::npos);
  EXPECT_NE(error_of([](RunConfig& c) { c.workload = "bank"; }).find("--workload"), std::string::npos);
  EXPECT_NE(error_of([](RunConfig& c) { c.read_mode = "fast"; }).find("--read-mode"), std::string::npos);
  EXPECT_NE(error_of([](RunConfig& c) { c.concurrency = 0; }).find("--concurrency"), std::string::npos);
  EXPECT_NE(error_of([](RunConfig& c) { c.rate = 0; }).find("--rate"), std::string::npos);
  EXPECT_NE(error_of([](RunConfig& c) { c.time_limit_s = -1; }).find("--time-limit"), std::string::npos);
  EXPECT_NE(error_of([](RunConfig& c) { c.test_name = "../x"; }).find("--test-name"), std::string::npos);
  EXPECT_NE(error_of([](RunConfig& c) { c.delay_ms = 0; }).find("--delay-ms"), std::string::npos);
  EXPECT_NE(error_of([](RunConfig& c) { c.delay_jitter_ms = c.delay_ms + 1; }).find("--delay-jitter-ms"),
            std::string::npos);
  EXPECT_NE(error_of([](RunConfig& c) { c.election_ticks = 1; }).find("--election-ticks"), std::string::npos);
}

TEST(RunConfig, ElectionTicksAreOnlyForOurConsensusServers) {
  RunConfig c;
  c.election_ticks = 40;
  EXPECT_TRUE(validate(c).ok());
  c.target = "zab";
  EXPECT_TRUE(validate(c).ok());
  c.target = "etcd";
  auto s = validate(c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("--election-ticks: etcd"), std::string::npos) << s.error().message;
}

TEST(RunConfig, MaxEntriesPerMessageIsOnlyForOurRaftServer) {
  RunConfig c;
  c.max_entries_per_message = 1;
  EXPECT_TRUE(validate(c).ok());
  c.max_entries_per_message = -1;
  EXPECT_FALSE(validate(c).ok());
  c.max_entries_per_message = 1;
  c.target = "zab";
  auto s = validate(c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("--max-entries-per-message: zab"), std::string::npos) << s.error().message;
}

TEST(RunConfig, JsonRoundTripKeepsWhatCheckingNeeds) {
  RunConfig c;
  c.workload = "set";
  c.bugs = {"stale-read"};
  c.seed = 42;
  c.read_mode = "lease";
  c.election_ticks = 30;
  c.max_entries_per_message = 1;
  c.delay_ms = 70;
  c.delay_jitter_ms = 20;
  auto back = config_from_json(to_json(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->workload, "set");
  EXPECT_EQ(back->bugs, c.bugs);
  EXPECT_EQ(back->seed, 42u);
  EXPECT_EQ(back->read_mode, "lease");
  EXPECT_EQ(back->election_ticks, 30);
  EXPECT_EQ(back->max_entries_per_message, 1);
  EXPECT_EQ(back->delay_ms, 70);
  EXPECT_EQ(back->delay_jitter_ms, 20);
  EXPECT_FALSE(config_from_json(history::Value::array()).ok());
  EXPECT_FALSE(config_from_json(history::Value{{"keys", "four"}}).ok());
}

}  // namespace
}  // namespace faultline::harness::runner
