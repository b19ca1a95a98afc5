#pragma once
// Verdict: the three-valued result of every checker (STYLE.md §7). A checker that
// runs out of time or memory says Unknown, never a guess. Verdicts map onto the exit
// codes of `faultline check` and `faultline run`: 0 valid, 1 invalid, 2 unknown.

#include <string_view>

namespace faultline::checkers {

enum class Verdict { Valid, Invalid, Unknown };

inline std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Valid: return "valid";
    case Verdict::Invalid: return "invalid";
    case Verdict::Unknown: return "unknown";
  }
  return "?";
}

inline int exit_code(Verdict v) {
  switch (v) {
    case Verdict::Valid: return 0;
    case Verdict::Invalid: return 1;
    case Verdict::Unknown: return 2;
  }
  return 2;
}

// The verdict of several checks together: invalid if any is, else unknown if any
// is, else valid.
inline Verdict combine(Verdict a, Verdict b) {
  if (a == Verdict::Invalid || b == Verdict::Invalid) return Verdict::Invalid;
  if (a == Verdict::Unknown || b == Verdict::Unknown) return Verdict::Unknown;
  return Verdict::Valid;
}

}  // namespace faultline::checkers
