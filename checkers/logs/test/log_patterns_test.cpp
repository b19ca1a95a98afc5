// The log-pattern checker: which lines of a node log make a run invalid.

#include "checkers/logs/log_patterns.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/test/temp_dir.h"

namespace faultline::checkers::logs {
namespace {

const LogRules kPatterns = {{{"panic", "PANIC "}, {"broken invariant", "invariant broken"}}, ""};

TEST(LogPatterns, ALogWithoutThePatternsIsValid) {
  std::istringstream in("info: n1: role leader term 3\nwarn: n1: peer n2 unreachable\n");
  LogScan scan;
  scan_log("n1/raft.log", in, kPatterns, scan);
  EXPECT_EQ(scan.verdict, Verdict::Valid);
  EXPECT_EQ(scan.lines, 2);
  EXPECT_TRUE(scan.matches.empty());
}

TEST(LogPatterns, EachMatchingLineIsNamedByFileAndLineAndMakesTheRunInvalid) {
  std::istringstream in(
      "info: n2: start\n"
      "error: n2: invariant broken (planted bug): two leaders in term 7: n2 and n4\n"
      "PANIC core/raft.cpp:90: check failed: committed <= last\n");
  LogScan scan;
  scan_log("n2/raft.log", in, kPatterns, scan);
  EXPECT_EQ(scan.verdict, Verdict::Invalid);
  ASSERT_EQ(scan.matches.size(), 2u);
  EXPECT_EQ(scan.matches[0], (LogMatch{"n2/raft.log", 2, "broken invariant",
                                       "error: n2: invariant broken (planted bug): two leaders in term 7: n2 and n4"}));
  EXPECT_EQ(scan.matches[1].line, 3);
  EXPECT_EQ(scan.matches[1].pattern, "panic");
  EXPECT_NE(describe(scan).find("n2/raft.log:2 broken invariant"), std::string::npos) << describe(scan);
}

TEST(LogPatterns, ManyMatchesAreCountedButOnlyTheFirstHundredKept) {
  std::string text;
  for (int i = 0; i < 250; ++i) text += "PANIC x" + std::string(1000, 'y') + "\n";
  std::istringstream in(text);
  LogScan scan;
  scan_log("n1/raft.log", in, kPatterns, scan);
  EXPECT_EQ(scan.total_matches, 250);
  EXPECT_EQ(scan.matches.size(), kMaxMatches);
  EXPECT_EQ(scan.matches.back().text.size(), kMaxLineChars);
}

TEST(LogPatterns, ARunDirectoryIsScannedNodeByNodeInNameOrder) {
  base::TempDir tmp("logs");
  const std::filesystem::path& dir = tmp.path();
  std::filesystem::create_directories(dir / "n1");
  std::filesystem::create_directories(dir / "n2");
  std::ofstream(dir / "n2" / "raft.log") << "ok\nPANIC here\n";
  std::ofstream(dir / "n1" / "raft.log") << "fine\n";
  std::ofstream(dir / "n1" / "notes.txt") << "PANIC not a log\n";
  std::ofstream(dir / "history.jsonl") << "PANIC not in a node folder\n";
  auto scan = scan_run_logs(dir, kPatterns);
  ASSERT_TRUE(scan.ok()) << scan.error().message;
  EXPECT_EQ(scan->files, 2);
  ASSERT_EQ(scan->matches.size(), 1u);
  EXPECT_EQ(scan->matches[0].file, "n2/raft.log");
  EXPECT_EQ(to_json(*scan)["matches"][0]["line"], 2);
}

TEST(LogPatterns, TwoNodesLeadingOneTermAreTwoLeadersAndOneNodeTwiceIsNot) {
  const LogRules rules = {{}, "role leader term "};
  LogScan scan;
  std::istringstream n1("info: n1: role leader term 7 leader n1 commit 3\n"
                        "info: n1: role follower term 8 leader n2 commit 5\n"
                        "info: n1: role leader term 9 leader n1 commit 6\n");
  std::istringstream n2("info: n2: role candidate term 8 leader ? commit 4\n"
                        "info: n2: role leader term 8 leader n2 commit 4\n"
                        "info: n2: recovered term 8 vote '' commit 4\n"
                        "info: n2: role leader term 8 leader n2 commit 5\n");
  std::istringstream n3("info: n3: role leader term 9 leader n3 commit 6\n");
  scan_log("n1/raft.log", n1, rules, scan);
  scan_log("n2/raft.log", n2, rules, scan);
  scan_log("n3/raft.log", n3, rules, scan);
  finish_scan(scan);
  EXPECT_EQ(scan.verdict, Verdict::Invalid);
  EXPECT_EQ(scan.terms_with_two_leaders, 1);  // term 9 (n1, n3); n2 twice in term 8 is one leader
  ASSERT_EQ(scan.matches.size(), 2u);
  EXPECT_EQ(scan.matches[0], (LogMatch{"n1/raft.log", 3, "two leaders in term 9",
                                       "info: n1: role leader term 9 leader n1 commit 6"}));
  EXPECT_EQ(scan.matches[1].file, "n3/raft.log");
  EXPECT_NE(describe(scan).find("1 terms with two leaders"), std::string::npos) << describe(scan);
}

}  // namespace
}  // namespace faultline::checkers::logs
