#pragma once
// Small helpers for reading what commands print on nodes and for naming the node in
// errors; shared by the nemesis backends (internal to nemesis/). Pure.

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "nemesis/faults.h"

namespace faultline::nemesis::text {

// "node n2": how every nemesis error begins.
inline std::string where(const NodeName& node) { return "node " + node; }

// A whole decimal integer, or nullopt.
inline std::optional<long long> parse_number(std::string_view s) {
  long long v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Without leading and trailing spaces, tabs and carriage returns.
inline std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace faultline::nemesis::text
