#include "checkers/logs/log_patterns.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace faultline::checkers::logs {

namespace fs = std::filesystem;

void scan_log(const std::string& file, std::istream& in, const LogRules& rules, LogScan& scan) {
  ++scan.files;
  const std::string node = file.substr(0, file.find('/'));
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    ++scan.lines;
    for (const LogPattern& p : rules.patterns) {
      if (p.text.empty() || line.find(p.text) == std::string::npos) continue;
      ++scan.total_matches;
      scan.verdict = Verdict::Invalid;
      if (scan.matches.size() < kMaxMatches)
        scan.matches.push_back({file, number, p.name, line.substr(0, kMaxLineChars)});
      break;  // one match per line
    }
    if (rules.leader_marker.empty()) continue;
    const size_t at = line.find(rules.leader_marker);
    if (at == std::string::npos) continue;
    const char* digits = line.c_str() + at + rules.leader_marker.size();
    char* end = nullptr;
    const long long term = std::strtoll(digits, &end, 10);
    if (end == digits) continue;
    scan.leaders[term].emplace(node, LogMatch{file, number, "", line.substr(0, kMaxLineChars)});
  }
}

void finish_scan(LogScan& scan) {
  for (auto& [term, by_node] : scan.leaders) {
    if (by_node.size() < 2) continue;
    ++scan.terms_with_two_leaders;
    scan.verdict = Verdict::Invalid;
    for (auto& [node, match] : by_node) {
      ++scan.total_matches;
      match.pattern = "two leaders in term " + std::to_string(term);
      if (scan.matches.size() < kMaxMatches) scan.matches.push_back(match);
    }
  }
}

base::Result<LogScan> scan_run_logs(const fs::path& run_dir, const LogRules& rules) {
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
      scan_log(node.filename().string() + "/" + file.filename().string(), in, rules, scan);
    }
  }
  finish_scan(scan);
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
          {"terms_with_two_leaders", scan.terms_with_two_leaders},
          {"matches", std::move(matches)}};
}

std::string describe(const LogScan& scan) {
  std::string s = "logs: " + std::string(to_string(scan.verdict)) + " (" +
                  std::to_string(scan.total_matches) + " matching lines in " +
                  std::to_string(scan.files) + " node logs";
  if (scan.terms_with_two_leaders > 0)
    s += ", " + std::to_string(scan.terms_with_two_leaders) + " terms with two leaders";
  if (!scan.matches.empty()) {
    const LogMatch& m = scan.matches.front();
    s += "; first " + m.file + ":" + std::to_string(m.line) + " " + m.pattern + ": " +
         m.text.substr(0, 160);
  }
  return s + ")\n";
}

}  // namespace faultline::checkers::logs
