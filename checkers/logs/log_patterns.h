#pragma once
// The log-pattern checker (Jepsen's log-file-pattern): after a run, every node log
// the harness collected is searched for lines that no healthy server writes — a panic,
// a broken invariant its own checks caught. The history can look fine while a server
// crashed and was restarted by the nemesis, or detected a safety violation the
// clients never saw; either makes the run invalid. Each target names its patterns
// (harness/runner/target.h). Pure apart from reading the files; thread-compatible.

#include <cstdint>
#include <filesystem>
#include <istream>
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

struct LogScan {
  Verdict verdict = Verdict::Valid;  // invalid iff a line matched
  int64_t files = 0;
  int64_t lines = 0;
  int64_t total_matches = 0;
  std::vector<LogMatch> matches;  // the first kMaxMatches, in file then line order
};

// Adds the lines of `in`, labelled `file`, to `scan`.
void scan_log(const std::string& file, std::istream& in, const std::vector<LogPattern>& patterns,
              LogScan& scan);

// Scans every <run_dir>/<node>/*.log (node folders and files in name order), labelled
// "<node>/<file>". Error naming the file if one cannot be read.
base::Result<LogScan> scan_run_logs(const std::filesystem::path& run_dir,
                                    const std::vector<LogPattern>& patterns);

history::Value to_json(const LogScan& scan);
// "logs: invalid (2 lines match in 5 files: n2/raft.log:17 broken invariant ...)\n"
std::string describe(const LogScan& scan);

}  // namespace faultline::checkers::logs
