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
}

TEST(RunConfig, JsonRoundTripKeepsWhatCheckingNeeds) {
  RunConfig c;
  c.workload = "set";
  c.bugs = {"stale-read"};
  c.seed = 42;
  c.read_mode = "lease";
  auto back = config_from_json(to_json(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->workload, "set");
  EXPECT_EQ(back->bugs, c.bugs);
  EXPECT_EQ(back->seed, 42u);
  EXPECT_EQ(back->read_mode, "lease");
  EXPECT_FALSE(config_from_json(history::Value::array()).ok());
  EXPECT_FALSE(config_from_json(history::Value{{"keys", "four"}}).ok());
}

}  // namespace
}  // namespace faultline::harness::runner
