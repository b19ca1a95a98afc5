#pragma once
// The log checker: after a run, every node log the harness collected is searched for
// lines that no healthy server writes — a panic, a broken invariant its own checks
// caught (Jepsen's log-file-pattern) — and, for a target that logs when a node becomes
// leader of a term, for two nodes leading the same term (Raft's election safety). The
// history can look fine while a server crashed and was restarted by the nemesis, or
// while two leaders briefly coexisted and the clients never saw it; each makes the run
// invalid. Each target names its patterns and its leader line
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
  bool operator==(const LogMatch&) const = default;
};

inline constexpr size_t kMaxLineChars = 500;
inline constexpr size_t kMaxMatches = 100;  // kept in full; the rest only counted

// What to look for. `leader_marker`, if not empty, is the text a node's log line holds
// right before the term number when the node becomes leader of that term ("role leader
// term " for raft): two nodes with such a line for one term are two leaders in a term.
struct LogRules {
  std::vector<LogPattern> patterns;
  std::string leader_marker;
};

struct LogScan {
  Verdict verdict = Verdict::Valid;  // invalid iff a line matched or a term had two leaders
  int64_t files = 0;
  int64_t lines = 0;
  int64_t total_matches = 0;        // matching lines, plus the lines of each term's leaders
  int64_t terms_with_two_leaders = 0;
  std::vector<LogMatch> matches;  // the first kMaxMatches: pattern lines in file then line
                                  // order, then the leader lines of each such term
  // term -> node -> the first line saying the node leads it (filled by scan_log,
  // judged by finish_scan).
  std::map<int64_t, std::map<std::string, LogMatch>> leaders;
};

// Adds the lines of `in`, labelled `file` ("<node>/<name>"; the node is the part before
// the first '/'), to `scan`. Call finish_scan once every log is in.
void scan_log(const std::string& file, std::istream& in, const LogRules& rules, LogScan& scan);
// Turns the leader lines into matches for every term two or more nodes led.
void finish_scan(LogScan& scan);

// Scans every <run_dir>/<node>/*.log (node folders and files in name order), labelled
// "<node>/<file>", then finish_scan. Error naming the file if one cannot be read.
base::Result<LogScan> scan_run_logs(const std::filesystem::path& run_dir, const LogRules& rules);

history::Value to_json(const LogScan& scan);
// "logs: invalid (2 matching lines in 5 node logs; first n2/raft.log:17 broken invariant: ...)\n"
std::string describe(const LogScan& scan);

}  // namespace faultline::checkers::logs
