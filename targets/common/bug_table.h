#pragma once
// The table of a target's planted bugs (each target has its own `enum class Bug`):
// name as spelled by --bug, and the anomaly it should cause, for --help, BUGS.md and
// reports. Header-only; thread-safe.

#include <optional>
#include <string_view>
#include <vector>

namespace faultline::targets::common {

template <class Bug>
struct BugInfo {
  Bug bug;
  std::string_view name;     // the --bug spelling
  std::string_view anomaly;  // one line for --help
};

template <class Bug>
std::string_view bug_name(const std::vector<BugInfo<Bug>>& table, Bug bug) {
  for (const auto& info : table)
    if (info.bug == bug) return info.name;
  return "unknown-bug";
}

template <class Bug>
std::optional<Bug> find_bug(const std::vector<BugInfo<Bug>>& table, std::string_view name) {
  for (const auto& info : table)
    if (info.name == name) return info.bug;
  return std::nullopt;
}

}  // namespace faultline::targets::common
