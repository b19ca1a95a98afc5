#include "nemesis/settime/settime_plan.h"

#include <algorithm>
#include <charconv>

namespace faultline::nemesis::settime {
namespace {

std::optional<int64_t> number(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

base::Error bad(const std::string& why) { return base::Error{why + "\n" + usage()}; }

}  // namespace

std::string usage() {
  return "usage: faultline-settime [--dry-run] bump <delta-ms>\n"
         "       faultline-settime [--dry-run] strobe <delta-ms> <period-ms> <duration-ms>\n"
         "       faultline-settime [--dry-run] reset <controller-unix-ns>\n"
         "       faultline-settime now";
}

base::Result<Request> parse_args(const std::vector<std::string>& args) {
  Request r;
  size_t i = 0;
  if (i < args.size() && args[i] == "--dry-run") {
    r.dry_run = true;
    ++i;
  }
  if (i >= args.size()) return bad("missing command");
  const std::string& cmd = args[i++];
  std::vector<int64_t> nums;
  const std::vector<std::string> names = cmd == "bump"     ? std::vector<std::string>{"delta-ms"}
                                         : cmd == "strobe" ? std::vector<std::string>{"delta-ms", "period-ms", "duration-ms"}
                                         : cmd == "reset"  ? std::vector<std::string>{"controller-unix-ns"}
                                                           : std::vector<std::string>{};
  if (cmd != "bump" && cmd != "strobe" && cmd != "reset" && cmd != "now") {
    return bad("unknown command '" + cmd + "'");
  }
  if (args.size() - i != names.size()) {
    return bad(cmd + " takes " + std::to_string(names.size()) + " argument(s), got " +
               std::to_string(args.size() - i));
  }
  for (size_t k = 0; k < names.size(); ++k) {
    auto v = number(args[i + k]);
    if (!v) return bad(names[k] + " '" + args[i + k] + "' is not a whole number");
    nums.push_back(*v);
  }
  if (cmd == "bump" || cmd == "strobe") {
    r.action = cmd == "bump" ? Action::Bump : Action::Strobe;
    r.delta_ms = nums[0];
    if (r.delta_ms < -kMaxDeltaMs || r.delta_ms > kMaxDeltaMs) {
      return bad("delta-ms " + args[i] + " is more than a week");
    }
  }
  if (cmd == "strobe") {
    r.period_ms = nums[1];
    r.duration_ms = nums[2];
    if (r.period_ms <= 0 || r.duration_ms <= 0) return bad("period-ms and duration-ms must be > 0");
  }
  if (cmd == "reset") {
    r.action = Action::Reset;
    r.controller_ns = nums[0];
    if (r.controller_ns <= 0) return bad("controller-unix-ns must be > 0");
  }
  if (cmd == "now") r.action = Action::Now;
  return r;
}

std::optional<int64_t> shifted_ns(int64_t now_ns, int64_t delta_ms) {
  int64_t delta_ns = 0, out = 0;
  if (__builtin_mul_overflow(delta_ms, int64_t{1'000'000}, &delta_ns)) return std::nullopt;
  if (__builtin_add_overflow(now_ns, delta_ns, &out)) return std::nullopt;
  if (out < 0) return std::nullopt;
  return out;
}

timespec to_timespec(int64_t ns) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  return ts;
}

std::vector<int64_t> strobe_steps(int64_t delta_ms, int64_t period_ms, int64_t duration_ms) {
  std::vector<int64_t> steps;
  const int64_t flips = period_ms > 0 ? std::max<int64_t>(1, duration_ms / period_ms) : 1;
  for (int64_t i = 0; i < flips; ++i) steps.push_back(i % 2 == 0 ? delta_ms : -delta_ms);
  if (flips % 2 == 1) steps.push_back(-delta_ms);
  return steps;
}

}  // namespace faultline::nemesis::settime
