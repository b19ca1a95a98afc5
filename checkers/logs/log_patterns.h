#pragma once
// The log checker: after a run, every node log the harness collected is searched for
// lines that no healthy server writes — a panic, a broken invariant its own checks
// caught (Jepsen's log-file-pattern) — and, for a target that logs when a node becomes
// leader of a term, for two nodes leading the same term (Raft's election safety). The
// history can look fine while a server crashed and was restarted by the nemesis, or
// while two leaders briefly coexisted and the clients never saw it; each makes the run
// invalid. Likewise one node voting for two candidates in one term (a vote that did not
// survive a restart), and two different log prefixes applied up to one index (Raft's
// state machine safety: a committed entry replaced, on one node or between nodes). Each
// target names its patterns and its leader, vote and applied lines
// (harness/runner/target.h). Pure apart from reading the files; thread-compatible.

#include <cstdint>
#include <filesystem>
#include <istream>
#include <map>
#include <string>
#include <vector>

#include "checkers/verdict.h"
#include "history/op.h"

namespace faultline::checkers::logs {

// A line matches when it contains `text` (plain substring, case-sensitive).
struct LogPattern {
  std::string name;  // what the report calls it: "panic", "broken invariant"
  std::string text;
};

struct LogMatch {
  std::string file;  // as given to scan_log ("n2/raft.log")
  int64_t line = 0;  // 1-based
  std::string pattern;
  std::string text;  // the line, cut to kMaxLineChars
  int64_t time_us = -1;  // the line's wall-clock time (base::log_line_time_us); -1: none
  bool operator==(const LogMatch&) const = default;
};

inline constexpr size_t kMaxLineChars = 500;
inline constexpr size_t kMaxMatches = 100;  // kept in full; the rest only counted

// What to look for. `leader_marker`, if not empty, is the text a node's log line holds
// right before the term number when the node becomes leader of that term ("role leader
// term " for raft): two nodes with such a line for one term are two leaders in a term.
// `vote_marker`, if not empty, is the text right before the term number in the line a
// node writes once its vote is cast (on disk and sent), followed by " for <candidate>"
// ("vote term " for raft: "vote term 12 for n3"): one node naming two candidates for
// one term voted twice. `applied_marker`, if not empty, is the text right before an index
// in the line a node writes at checkpoints of what it applied, followed by " hash <H>"
// with H a hash of the whole log prefix up to that index ("applied index " for raft:
// "applied index 4800 hash 9f04c2e1d3a7b655"): two hashes for one index, from any nodes
// or one node at two times, mean different entries were applied.
struct LogRules {
  std::vector<LogPattern> patterns;
  std::string leader_marker;
  std::string vote_marker;
  std::string applied_marker;
  bool empty() const {
    return patterns.empty() && leader_marker.empty() && vote_marker.empty() && applied_marker.empty();
  }
};

struct LogScan {
  Verdict verdict = Verdict::Valid;  // invalid iff a line matched or a term had two leaders
  int64_t files = 0;
  int64_t lines = 0;
  int64_t total_matches = 0;        // matching lines, plus the lines of each term's leaders
  int64_t terms_with_two_leaders = 0;
  int64_t double_votes = 0;  // (node, term) pairs with votes for two or more candidates
  // Of those, the ones where neither candidate is the voter: these can elect two leaders
  // of one term. A node that voted for itself lost that candidacy when it restarted, so
  // its second vote breaks the rule (Figure 2: votedFor is persistent) without that risk.
  int64_t double_votes_for_others = 0;
  int64_t indexes_applied_differently = 0;  // checkpoint indexes with two or more hashes
  // When the earliest anomaly was written, in wall-clock microseconds, from the lines'
  // timestamps: a matching line's own time; for two leaders, two votes or two hashes,
  // the time of the second line (until then there was one). -1: no anomaly, or none dated.
  int64_t first_anomaly_us = -1;
  std::vector<LogMatch> matches;  // the first kMaxMatches: pattern lines in file then line
                                  // order, then the leader lines of each such term, then
                                  // the vote lines of each double vote, then the applied
                                  // lines of each index applied differently
  // term -> node -> the first line saying the node leads it, and node -> term ->
  // candidate -> the first line saying the node voted for it (filled by scan_log,
  // judged by finish_scan).
  std::map<int64_t, std::map<std::string, LogMatch>> leaders;
  std::map<std::string, std::map<int64_t, std::map<std::string, LogMatch>>> votes;
  std::map<int64_t, std::map<std::string, LogMatch>> applied;  // index -> hash -> first line
};

// Adds the lines of `in`, labelled `file` ("<node>/<name>"; the node is the part before
// the first '/'), to `scan`. Call finish_scan once every log is in.
void scan_log(const std::string& file, std::istream& in, const LogRules& rules, LogScan& scan);
// Turns the leader lines into matches for every term two or more nodes led, the vote
// lines into matches for every term a node voted in twice, and the applied lines into
// matches for every index applied with two hashes.
void finish_scan(LogScan& scan);

// Scans every <run_dir>/<node>/*.log (node folders and files in name order), labelled
// "<node>/<file>", then finish_scan. Error naming the file if one cannot be read.
base::Result<LogScan> scan_run_logs(const std::filesystem::path& run_dir, const LogRules& rules);

history::Value to_json(const LogScan& scan);
// "logs: invalid (2 matching lines in 5 node logs; first n2/raft.log:17 broken invariant: ...)\n"
std::string describe(const LogScan& scan);

}  // namespace faultline::checkers::logs
