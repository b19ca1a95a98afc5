#pragma once
// The pure part of faultline-settime, our helper that steps CLOCK_REALTIME on a VM for
// the clock nemesis (nemesis/settime_clock.h uploads and drives it): argument parsing
// and the arithmetic of each step. settime_main.cpp does the clock_settime calls.
// Pure functions; thread-safe. Never run the helper without --dry-run on a machine
// whose clock others share (the local cluster's nodes share the host's clock).

#include <ctime>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace faultline::nemesis::settime {

// Largest step accepted, either way: a week. Anything bigger is surely a typo.
inline constexpr int64_t kMaxDeltaMs = 7LL * 24 * 3600 * 1000;

enum class Action { Bump, Strobe, Reset, Now };

struct Request {
  Action action = Action::Now;
  bool dry_run = false;
  int64_t delta_ms = 0;       // bump, strobe
  int64_t period_ms = 0;      // strobe
  int64_t duration_ms = 0;    // strobe
  int64_t controller_ns = 0;  // reset: the controller's unix time in ns
  bool operator==(const Request&) const = default;
};

// Parses the arguments after the program name:
//   [--dry-run] bump <delta-ms> | strobe <delta-ms> <period-ms> <duration-ms>
//   | reset <controller-unix-ns> | now
// Errors say which argument was wrong and show the usage.
base::Result<Request> parse_args(const std::vector<std::string>& args);
std::string usage();

// now_ns moved by delta_ms; nullopt if it would overflow or go below the epoch.
std::optional<int64_t> shifted_ns(int64_t now_ns, int64_t delta_ms);

// ns since the epoch as a timespec (tv_nsec in [0, 1e9)). Precondition: ns >= 0.
timespec to_timespec(int64_t ns);

// The relative steps a strobe makes, one every period: +delta, -delta, +delta, ...
// as many as fit in the duration (at least one), plus a final -delta when needed so
// the steps add up to zero: the clock ends where it would have been without them.
std::vector<int64_t> strobe_steps(int64_t delta_ms, int64_t period_ms, int64_t duration_ms);

}  // namespace faultline::nemesis::settime
