#include "checkers/logs/log_patterns.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <tuple>
#include <utility>

#include "base/log.h"

namespace faultline::checkers::logs {

namespace fs = std::filesystem;

namespace {

// The number right after `marker` in `line`, and where it ends; nullopt without both.
std::optional<std::pair<int64_t, size_t>> number_after(const std::string& line, const std::string& marker) {
  if (marker.empty()) return std::nullopt;
  const size_t at = line.find(marker);
  if (at == std::string::npos) return std::nullopt;
  const char* digits = line.c_str() + at + marker.size();
  char* end = nullptr;
  const long long number = std::strtoll(digits, &end, 10);
  if (end == digits) return std::nullopt;
  return std::make_pair(static_cast<int64_t>(number), static_cast<size_t>(end - line.c_str()));
}

// "<marker><number><keyword><word>" in `line` ("vote term 12 for n3"): the number and the
// word; nullopt unless all of it is there.
std::optional<std::pair<int64_t, std::string>> numbered_word(const std::string& line, const std::string& marker,
                                                              const std::string& keyword) {
  auto number = number_after(line, marker);
  if (!number || line.compare(number->second, keyword.size(), keyword) != 0) return std::nullopt;
  const size_t from = number->second + keyword.size();
  std::string word = line.substr(from, line.find_first_of(" \t", from) - from);
  if (word.empty()) return std::nullopt;
  return std::make_pair(number->first, std::move(word));
}

// Adds every holder's first line as a match labelled `what` when `holders` has two or
// more: two leaders of one term, two candidates of one node's vote, two prefixes applied
// up to one index. The lines go in file, then line order.
void anomaly_at(int64_t time_us, LogScan& scan) {
  if (time_us >= 0 && (scan.first_anomaly_us < 0 || time_us < scan.first_anomaly_us)) scan.first_anomaly_us = time_us;
}

bool flag_if_shared(std::map<std::string, LogMatch>& holders, const std::string& what, LogScan& scan) {
  if (holders.size() < 2) return false;
  scan.verdict = Verdict::Invalid;
  std::vector<LogMatch> lines;
  std::vector<int64_t> times;
  for (auto& [holder, match] : holders) {
    lines.push_back(match);
    if (match.time_us >= 0) times.push_back(match.time_us);
  }
  // The anomaly began with the second holder's line; undated unless two lines are dated.
  if (times.size() >= 2) {
    std::nth_element(times.begin(), times.begin() + 1, times.end());
    anomaly_at(times[1], scan);
  }
  std::sort(lines.begin(), lines.end(),
            [](const LogMatch& a, const LogMatch& b) { return std::tie(a.file, a.line) < std::tie(b.file, b.line); });
  for (LogMatch& match : lines) {
    ++scan.total_matches;
    match.pattern = what;
    if (scan.matches.size() < kMaxMatches) scan.matches.push_back(std::move(match));
  }
  return true;
}

}  // namespace

void scan_log(const std::string& file, std::istream& in, const LogRules& rules, LogScan& scan) {
  ++scan.files;
  const std::string node = file.substr(0, file.find('/'));
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    ++scan.lines;
    const int64_t time_us = base::log_line_time_us(line).value_or(-1);
    for (const LogPattern& p : rules.patterns) {
      if (p.text.empty() || line.find(p.text) == std::string::npos) continue;
      ++scan.total_matches;
      scan.verdict = Verdict::Invalid;
      anomaly_at(time_us, scan);
      if (scan.matches.size() < kMaxMatches)
        scan.matches.push_back({file, number, p.name, line.substr(0, kMaxLineChars), time_us});
      break;  // one match per line
    }
    const LogMatch here{file, number, "", line.substr(0, kMaxLineChars), time_us};
    if (auto led = number_after(line, rules.leader_marker)) scan.leaders[led->first].emplace(node, here);
    if (auto voted = numbered_word(line, rules.vote_marker, " for "))
      scan.votes[node][voted->first].emplace(voted->second, here);
    if (auto applied = numbered_word(line, rules.applied_marker, " hash "))
      scan.applied[applied->first].emplace(applied->second, here);
  }
}

void finish_scan(LogScan& scan) {
  for (auto& [term, by_node] : scan.leaders)
    if (flag_if_shared(by_node, "two leaders in term " + std::to_string(term), scan)) ++scan.terms_with_two_leaders;
  for (auto& [node, by_term] : scan.votes) {
    for (auto& [term, by_candidate] : by_term) {
      if (!flag_if_shared(by_candidate, node + " voted twice in term " + std::to_string(term), scan)) continue;
      ++scan.double_votes;
      if (!by_candidate.contains(node)) ++scan.double_votes_for_others;
    }
  }
  for (auto& [index, by_hash] : scan.applied)
    if (flag_if_shared(by_hash, "different entries applied up to index " + std::to_string(index), scan))
      ++scan.indexes_applied_differently;
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
    matches.push_back({{"file", m.file}, {"line", m.line}, {"pattern", m.pattern}, {"text", m.text}, {"time_us", m.time_us}});
  return {{"verdict", std::string(to_string(scan.verdict))},
          {"files", scan.files},
          {"lines", scan.lines},
          {"total_matches", scan.total_matches},
          {"terms_with_two_leaders", scan.terms_with_two_leaders},
          {"double_votes", scan.double_votes},
          {"double_votes_for_others", scan.double_votes_for_others},
          {"indexes_applied_differently", scan.indexes_applied_differently},
          {"first_anomaly_us", scan.first_anomaly_us},
          {"matches", std::move(matches)}};
}

std::string describe(const LogScan& scan) {
  std::string s = "logs: " + std::string(to_string(scan.verdict)) + " (" +
                  std::to_string(scan.total_matches) + " matching lines in " +
                  std::to_string(scan.files) + " node logs";
  if (scan.terms_with_two_leaders > 0)
    s += ", " + std::to_string(scan.terms_with_two_leaders) + " terms with two leaders";
  if (scan.double_votes > 0)
    s += ", " + std::to_string(scan.double_votes) + " double votes (" +
         std::to_string(scan.double_votes_for_others) + " for two other nodes)";
  if (scan.indexes_applied_differently > 0)
    s += ", " + std::to_string(scan.indexes_applied_differently) + " indexes applied differently";
  if (!scan.matches.empty()) {
    const LogMatch& m = scan.matches.front();
    s += "; first " + m.file + ":" + std::to_string(m.line) + " " + m.pattern + ": " +
         m.text.substr(0, 160);
  }
  return s + ")\n";
}

}  // namespace faultline::checkers::logs
