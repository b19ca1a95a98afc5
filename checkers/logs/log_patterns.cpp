#include "checkers/logs/log_patterns.h"

#include <algorithm>
#include <fstream>

namespace faultline::checkers::logs {

namespace fs = std::filesystem;

void scan_log(const std::string& file, std::istream& in, const std::vector<LogPattern>& patterns,
              LogScan& scan) {
  ++scan.files;
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    ++scan.lines;
    for (const LogPattern& p : patterns) {
      if (p.text.empty() || line.find(p.text) == std::string::npos) continue;
      ++scan.total_matches;
      scan.verdict = Verdict::Invalid;
      if (scan.matches.size() < kMaxMatches)
        scan.matches.push_back({file, number, p.name, line.substr(0, kMaxLineChars)});
      break;  // one match per line
    }
  }
}

base::Result<LogScan> scan_run_logs(const fs::path& run_dir, const std::vector<LogPattern>& patterns) {
  LogScan scan;
  std::error_code ec;
  std::vector<fs::path> nodes;
  for (const auto& entry : fs::directory_iterator(run_dir, ec))
    if (entry.is_directory()) nodes.push_back(entry.path());
  if (ec) return base::Error{run_dir.string() + ": cannot list: " + ec.message()};
  std::sort(nodes.begin(), nodes.end());
  for (const fs::path& node : nodes) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(node, ec))
      if (entry.is_regular_file() && entry.path().extension() == ".log") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      std::ifstream in(file);
      if (!in) return base::Error{file.string() + ": cannot read"};
      scan_log(node.filename().string() + "/" + file.filename().string(), in, patterns, scan);
    }
  }
  return scan;
}

history::Value to_json(const LogScan& scan) {
  history::Value matches = history::Value::array();
  for (const LogMatch& m : scan.matches)
    matches.push_back({{"file", m.file}, {"line", m.line}, {"pattern", m.pattern}, {"text", m.text}});
  return {{"verdict", std::string(to_string(scan.verdict))},
          {"files", scan.files},
          {"lines", scan.lines},
          {"total_matches", scan.total_matches},
          {"matches", std::move(matches)}};
}

std::string describe(const LogScan& scan) {
  std::string s = "logs: " + std::string(to_string(scan.verdict)) + " (" +
                  std::to_string(scan.total_matches) + " matching lines in " +
                  std::to_string(scan.files) + " node logs";
  if (!scan.matches.empty()) {
    const LogMatch& m = scan.matches.front();
    s += "; first " + m.file + ":" + std::to_string(m.line) + " " + m.pattern + ": " +
         m.text.substr(0, 160);
  }
  return s + ")\n";
}

}  // namespace faultline::checkers::logs
