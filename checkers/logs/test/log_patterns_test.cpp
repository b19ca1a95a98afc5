// The log-pattern checker: which lines of a node log make a run invalid.

#include "checkers/logs/log_patterns.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "base/test/temp_dir.h"

namespace faultline::checkers::logs {
namespace {

const LogRules kPatterns = {{{"panic", "PANIC "}, {"broken invariant", "invariant broken"}}, "", "", ""};

const LogRules kVotes = {{}, "", "vote term ", ""};
const LogRules kApplied = {{}, "", "", "applied index "};

// Scans each node's log text (labelled "<node>/raft.log", in the order given) and
// finishes the scan.
LogScan scan_nodes(const LogRules& rules, const std::vector<std::pair<std::string, std::string>>& logs) {
  LogScan scan;
  for (const auto& [node, text] : logs) {
    std::istringstream in(text);
    scan_log(node + "/raft.log", in, rules, scan);
  }
  finish_scan(scan);
  return scan;
}

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
                                       "error: n2: invariant broken (planted bug): two leaders in term 7: n2 and n4", -1}));
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
  const LogScan scan = scan_nodes({{}, "role leader term ", "", ""},
                                  {{"n1", "info: n1: role leader term 7 leader n1 commit 3\n"
                                          "info: n1: role follower term 8 leader n2 commit 5\n"
                                          "info: n1: role leader term 9 leader n1 commit 6\n"},
                                   {"n2", "info: n2: role candidate term 8 leader ? commit 4\n"
                                          "info: n2: role leader term 8 leader n2 commit 4\n"
                                          "info: n2: recovered term 8 vote '' commit 4\n"
                                          "info: n2: role leader term 8 leader n2 commit 5\n"},
                                   {"n3", "info: n3: role leader term 9 leader n3 commit 6\n"}});
  EXPECT_EQ(scan.verdict, Verdict::Invalid);
  EXPECT_EQ(scan.terms_with_two_leaders, 1);  // term 9 (n1, n3); n2 twice in term 8 is one leader
  ASSERT_EQ(scan.matches.size(), 2u);
  EXPECT_EQ(scan.matches[0], (LogMatch{"n1/raft.log", 3, "two leaders in term 9",
                                       "info: n1: role leader term 9 leader n1 commit 6", -1}));
  EXPECT_EQ(scan.matches[1].file, "n3/raft.log");
  EXPECT_NE(describe(scan).find("1 terms with two leaders"), std::string::npos) << describe(scan);
}

TEST(LogPatterns, ANodeVotingForTwoCandidatesInOneTermIsADoubleVoteAndAgainForOneIsNot) {
  const LogScan scan = scan_nodes(kVotes, {{"n1", "info: n1: vote term 4 for n1\n"
                                                  "info: n1: vote term 5 for n2\n"
                                                  "info: n1: recovered term 5 vote '' commit 3\n"
                                                  "info: n1: vote term 5 for n2\n"
                                                  "info: n1: vote term 6 for n3\n"
                                                  "info: n1: recovered term 6 vote '' commit 3\n"
                                                  "info: n1: vote term 6 for n4\n"
                                                  "info: n1: vote term 7 for\n"},
                                           {"n2", "info: n2: vote term 6 for n2\n"}});
  EXPECT_EQ(scan.verdict, Verdict::Invalid);
  EXPECT_EQ(scan.double_votes, 1);  // n1 in term 6 (n3, n4); n1 twice for n2 in term 5 is one vote
  EXPECT_EQ(scan.double_votes_for_others, 1);
  ASSERT_EQ(scan.matches.size(), 2u);
  EXPECT_EQ(scan.matches[0], (LogMatch{"n1/raft.log", 5, "n1 voted twice in term 6", "info: n1: vote term 6 for n3", -1}));
  EXPECT_EQ(scan.matches[1].line, 7);
  EXPECT_EQ(to_json(scan)["double_votes"], 1);
  EXPECT_NE(describe(scan).find("1 double votes (1 for two other nodes)"), std::string::npos) << describe(scan);
}

TEST(LogPatterns, ACandidateThatRestartedAndVotedForAnotherIsADoubleVoteButNotForTwoOthers) {
  const LogScan scan = scan_nodes(kVotes, {{"n1", "info: n1: vote term 42 for n1\n"
                                                  "info: n1: recovered term 42 vote '' commit 3\n"
                                                  "info: n1: vote term 42 for n3\n"}});
  EXPECT_EQ(scan.verdict, Verdict::Invalid);
  EXPECT_EQ(scan.double_votes, 1);
  EXPECT_EQ(scan.double_votes_for_others, 0);
}

TEST(LogPatterns, VotesOfDifferentNodesInOneTermAreNotADoubleVote) {
  const LogScan scan =
      scan_nodes(kVotes, {{"n1", "info: n1: vote term 6 for n1\n"}, {"n2", "info: n2: vote term 6 for n2\n"}});
  EXPECT_EQ(scan.verdict, Verdict::Valid);
  EXPECT_EQ(scan.double_votes, 0);
}

TEST(LogPatterns, TwoHashesForOneAppliedIndexAreDifferentEntriesAppliedAndOneHashIsNot) {
  const LogScan scan = scan_nodes(kApplied, {{"n1", "info: n1: applied index 100 hash aa\n"
                                                    "info: n1: applied index 200 hash bb\n"
                                                    "info: n1: applied index 300 hash cc\n"},
                                             {"n2", "info: n2: applied index 100 hash aa\n"
                                                    "info: n2: applied index 200 hash b2\n"},
                                             {"n3", "info: n3: applied index 300 hash cc\n"
                                                    "info: n3: applied index 400 hash\n"}});
  EXPECT_EQ(scan.verdict, Verdict::Invalid);
  EXPECT_EQ(scan.indexes_applied_differently, 1);  // 200: n1 bb, n2 b2
  ASSERT_EQ(scan.matches.size(), 2u);
  EXPECT_EQ(scan.matches[0], (LogMatch{"n1/raft.log", 2, "different entries applied up to index 200",
                                       "info: n1: applied index 200 hash bb", -1}));
  EXPECT_EQ(scan.matches[1].file, "n2/raft.log");
  EXPECT_EQ(to_json(scan)["indexes_applied_differently"], 1);
  EXPECT_NE(describe(scan).find("1 indexes applied differently"), std::string::npos) << describe(scan);
}

TEST(LogPatterns, OneNodeApplyingTwoPrefixesUpToOneIndexAcrossARestartIsCaughtToo) {
  const LogScan scan = scan_nodes(kApplied, {{"n1", "info: n1: applied index 100 hash aa\n"
                                                    "info: n1: recovered term 5 vote '' commit 90\n"
                                                    "info: n1: applied index 100 hash ab\n"}});
  EXPECT_EQ(scan.verdict, Verdict::Invalid);
  EXPECT_EQ(scan.indexes_applied_differently, 1);
}

// Dated lines ("2026-12-02T17:53:10.000000Z" is 1796233990 s after the epoch).
TEST(LogPatterns, AMatchingLineDatesTheAnomalyByItsTimestamp) {
  const LogScan scan = scan_nodes(kPatterns, {{"n1", "2026-12-02T17:53:10.000000Z info: n1: start\n"
                                                     "2026-12-02T17:53:12.500000Z PANIC raft.cpp:9: x\n"},
                                              {"n2", "2026-12-02T17:53:14.000000Z PANIC raft.cpp:9: y\n"}});
  EXPECT_EQ(scan.first_anomaly_us, 1796233992500000);
  ASSERT_EQ(scan.matches.size(), 2u);
  EXPECT_EQ(scan.matches[0].time_us, 1796233992500000);
  EXPECT_EQ(to_json(scan)["first_anomaly_us"], 1796233992500000);
}

TEST(LogPatterns, TwoLeadersOfATermDateFromTheSecondLeadersLine) {
  const LogScan scan = scan_nodes({{}, "role leader term ", "", ""},
                                  {{"n1", "2026-12-02T17:53:11.000000Z info: n1: role leader term 9 leader n1\n"},
                                   {"n2", "2026-12-02T17:53:15.000000Z info: n2: role leader term 9 leader n2\n"},
                                   {"n3", "2026-12-02T17:53:13.000000Z info: n3: role leader term 9 leader n3\n"}});
  EXPECT_EQ(scan.first_anomaly_us, 1796233993000000);  // n3's: from then on n1 and n3 both led term 9
}

TEST(LogPatterns, AVoteForASecondCandidateDatesTheDoubleVote) {
  const LogScan scan = scan_nodes(kVotes, {{"n1", "2026-12-02T17:53:10.000000Z info: n1: vote term 6 for n3\n"
                                                  "2026-12-02T17:53:20.000001Z info: n1: vote term 6 for n4\n"}});
  EXPECT_EQ(scan.double_votes, 1);
  EXPECT_EQ(scan.first_anomaly_us, 1796234000000001);
}

TEST(LogPatterns, UndatedLinesLeaveTheAnomalyUndated) {
  const LogScan scan = scan_nodes(kApplied, {{"n1", "2026-12-02T17:53:10.000000Z info: n1: applied index 100 hash aa\n"},
                                             {"n2", "info: n2: applied index 100 hash ab\n"}});
  EXPECT_EQ(scan.verdict, Verdict::Invalid);
  EXPECT_EQ(scan.first_anomaly_us, -1);  // the second hash has no time
  EXPECT_EQ(scan_nodes(kPatterns, {{"n1", "info: n1: start\n"}}).first_anomaly_us, -1);
}

}  // namespace
}  // namespace faultline::checkers::logs
