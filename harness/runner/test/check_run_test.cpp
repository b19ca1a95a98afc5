// Checking a stored run directory: the workload in test.json picks the checkers, and
// results.json holds each verdict.
#include "harness/runner/check_run.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/test/temp_dir.h"

namespace faultline::harness::runner {
namespace {

namespace fs = std::filesystem;

class RunDir {
 public:
  RunDir(const std::string& workload, const std::string& history, history::Value test = history::Value::object())
      : tmp_("run"), path_(tmp_.path()) {
    RunConfig config;
    config.workload = workload;
    test["config"] = to_json(config);
    std::ofstream(path_ / "test.json") << test.dump();
    std::ofstream(path_ / "history.jsonl") << history;
  }
  const fs::path& path() const { return path_; }

 private:
  base::TempDir tmp_;
  fs::path path_;
};

const char* kValidRegister =
    R"({"index":0,"time":1,"process":0,"type":"invoke","f":"write","key":"r0","value":1}
{"index":1,"time":2,"process":0,"type":"ok","f":"write","key":"r0","value":1}
{"index":2,"time":3,"process":1,"type":"invoke","f":"read","key":"r0","value":null}
{"index":3,"time":4,"process":1,"type":"ok","f":"read","key":"r0","value":1}
{"index":4,"time":5,"process":"nemesis","type":"info","f":"start-partition","value":{"requested":{}}}
)";

const char* kStaleRegister =
    R"({"index":0,"time":1,"process":0,"type":"invoke","f":"write","key":"r0","value":1}
{"index":1,"time":2,"process":0,"type":"ok","f":"write","key":"r0","value":1}
{"index":2,"time":3,"process":1,"type":"invoke","f":"read","key":"r0","value":null}
{"index":3,"time":4,"process":1,"type":"ok","f":"read","key":"r0","value":null}
)";

const char* kLostAdd =
    R"({"index":0,"time":1,"process":0,"type":"invoke","f":"add","key":"s0","value":1}
{"index":1,"time":2,"process":0,"type":"ok","f":"add","key":"s0","value":1}
{"index":2,"time":3,"process":0,"type":"invoke","f":"add","key":"s0","value":2}
{"index":3,"time":4,"process":0,"type":"ok","f":"add","key":"s0","value":2}
{"index":4,"time":5,"process":1,"type":"invoke","f":"read","key":"s0","value":null}
{"index":5,"time":6,"process":1,"type":"ok","f":"read","key":"s0","value":[1]}
)";

TEST(CheckRun, ValidRegisterRunIsValidAndWritesResults) {
  RunDir dir("register", kValidRegister);
  auto results = check_run_dir(dir.path());
  ASSERT_TRUE(results.ok()) << results.error().message;
  EXPECT_EQ(results->verdict, checkers::Verdict::Valid);
  std::ifstream in(dir.path() / "results.json");
  const auto json = history::Value::parse(in);
  EXPECT_EQ(json.at("verdict"), "valid");
  EXPECT_TRUE(json.contains("linearizable"));
  EXPECT_TRUE(json.contains("stats"));
}

TEST(CheckRun, StaleReadInARegisterRunIsInvalid) {
  RunDir dir("register", kStaleRegister);
  auto results = check_run_dir(dir.path());
  ASSERT_TRUE(results.ok()) << results.error().message;
  EXPECT_EQ(results->verdict, checkers::Verdict::Invalid);
}

TEST(CheckRun, SetRunWithALostAddIsInvalid) {
  RunDir dir("set", kLostAdd);
  auto results = check_run_dir(dir.path());
  ASSERT_TRUE(results.ok()) << results.error().message;
  EXPECT_EQ(results->verdict, checkers::Verdict::Invalid);
  EXPECT_TRUE(results->json.contains("set"));
}

TEST(CheckRun, APanicInANodeLogMakesAValidHistoryInvalid) {
  RunDir dir("register", kValidRegister);
  fs::create_directories(dir.path() / "n1");
  fs::create_directories(dir.path() / "n2");
  std::ofstream(dir.path() / "n1" / "raft.log") << "info: n1: role leader term 2\n";
  {
    auto clean = check_run_dir(dir.path());
    ASSERT_TRUE(clean.ok()) << clean.error().message;
    EXPECT_EQ(clean->verdict, checkers::Verdict::Valid);
    EXPECT_EQ(clean->json.at("logs").at("files"), 1);
  }
  std::ofstream(dir.path() / "n2" / "raft.log") << "info: n2: start\nPANIC raft.cpp:12: check failed\n";
  auto results = check_run_dir(dir.path());
  ASSERT_TRUE(results.ok()) << results.error().message;
  EXPECT_EQ(results->verdict, checkers::Verdict::Invalid);
  EXPECT_EQ(results->json.at("verdict"), "invalid");
  EXPECT_EQ(results->json.at("linearizable").at("verdict"), "valid");
  const auto& match = results->json.at("logs").at("matches").at(0);
  EXPECT_EQ(match.at("file"), "n2/raft.log");
  EXPECT_EQ(match.at("line"), 2);
  EXPECT_NE(results->summary.find("n2/raft.log:2 panic"), std::string::npos) << results->summary;
}

// 1796233990000000 us after the epoch is 2026-12-02T17:53:10Z.
TEST(CheckRun, ALogAnomalyIsPlacedOnTheHistorysTimelineByItsLineTime) {
  RunDir dir("register", kValidRegister, {{"history_origin_unix_us", 1796233990000000}});
  fs::create_directories(dir.path() / "n2");
  std::ofstream(dir.path() / "n2" / "raft.log") << "2026-12-02T17:53:11.000000Z info: n2: start\n"
                                                   "2026-12-02T17:53:12.500000Z PANIC raft.cpp:12: check failed\n";
  auto results = check_run_dir(dir.path());
  ASSERT_TRUE(results.ok()) << results.error().message;
  EXPECT_EQ(results->verdict, checkers::Verdict::Invalid);
  EXPECT_DOUBLE_EQ(results->json.at("logs").at("first_anomaly_s").get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(results->json.at("first_anomaly_s").get<double>(), 2.5);
}

TEST(CheckRun, TheEarlierOfTheHistorysAndTheLogsFirstAnomalyCounts) {
  RunDir dir("register", kStaleRegister, {{"history_origin_unix_us", 1796233990000000}});
  fs::create_directories(dir.path() / "n2");
  std::ofstream(dir.path() / "n2" / "raft.log") << "2026-12-02T17:53:12.500000Z PANIC raft.cpp:12: check failed\n";
  auto results = check_run_dir(dir.path());
  ASSERT_TRUE(results.ok()) << results.error().message;
  EXPECT_DOUBLE_EQ(results->json.at("first_anomaly_s").get<double>(), 3e-9);  // the stale read, invoked at 3 ns
  EXPECT_DOUBLE_EQ(results->json.at("logs").at("first_anomaly_s").get<double>(), 2.5);
}

TEST(CheckRun, WithoutTheHistorysWallClockOriginALogAnomalyIsNotPlaced) {
  RunDir dir("register", kValidRegister);
  fs::create_directories(dir.path() / "n2");
  std::ofstream(dir.path() / "n2" / "raft.log") << "2026-12-02T17:53:12.500000Z PANIC raft.cpp:12: check failed\n";
  auto results = check_run_dir(dir.path());
  ASSERT_TRUE(results.ok()) << results.error().message;
  EXPECT_EQ(results->verdict, checkers::Verdict::Invalid);
  EXPECT_FALSE(results->json.at("logs").contains("first_anomaly_s"));
  EXPECT_FALSE(results->json.contains("first_anomaly_s"));
}

TEST(CheckRun, MissingTestJsonIsAnErrorNamingTheFile) {
  RunDir dir("register", kValidRegister);
  fs::remove(dir.path() / "test.json");
  auto results = check_run_dir(dir.path());
  ASSERT_FALSE(results.ok());
  EXPECT_NE(results.error().message.find("test.json"), std::string::npos);
}

TEST(CheckRun, MalformedHistoryLineIsAnErrorNamingTheLine) {
  RunDir dir("register", std::string(kValidRegister) + "{\"index\":5,\"process\":\n{}\n");
  auto results = check_run_dir(dir.path());
  ASSERT_FALSE(results.ok());
  EXPECT_NE(results.error().message.find("history.jsonl:6"), std::string::npos) << results.error().message;
}

TEST(CheckRun, TruncatedLastLineOfAKilledRunIsStillChecked) {
  // A controller killed mid-write leaves half a line: a warning, not an error.
  RunDir dir("register", std::string(kValidRegister) + "{\"index\":5,\"time\":6,\"pro");
  auto results = check_run_dir(dir.path());
  ASSERT_TRUE(results.ok()) << results.error().message;
  EXPECT_EQ(results->verdict, checkers::Verdict::Valid);
}

}  // namespace
}  // namespace faultline::harness::runner
