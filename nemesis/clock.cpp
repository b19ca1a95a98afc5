#include "nemesis/clock.h"

#include <time.h>

#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "harness/control/quote.h"
#include "nemesis/per_node.h"
#include "nemesis/text.h"

namespace faultline::nemesis {

namespace {

using text::parse_number;
using text::trim;
using text::where;

int64_t realtime_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Rounds a/b to the nearest integer (b > 0), halves away from zero.
int64_t div_round(int64_t a, int64_t b) {
  return a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b);
}

std::string signed_ms(int64_t ms) { return (ms >= 0 ? "+" : "") + std::to_string(ms); }

}  // namespace

// ---- Pure helpers ------------------------------------------------------------------

std::vector<std::string> faketime_env(const std::string& offset_file, const std::string& library) {
  return {
      "LD_PRELOAD=" + library,
      "FAKETIME_TIMESTAMP_FILE=" + offset_file,
      // Timeouts, the history's times and sleeps stay on the real monotonic clock.
      "FAKETIME_DONT_FAKE_MONOTONIC=1",
      // Re-read the file once the real second changes (see clock.h).
      "FAKETIME_CACHE_DURATION=0",
      // Absolute specs (freezes) in epoch seconds: no time zone to agree on.
      "FAKETIME_FMT=%s",
  };
}

std::string faketime_command(const std::string& offset_file, const std::vector<std::string>& argv,
                             const std::string& library) {
  std::vector<std::string> words = {"env"};
  for (auto& a : faketime_env(offset_file, library)) words.push_back(std::move(a));
  words.insert(words.end(), argv.begin(), argv.end());
  return control::shell_join(words);
}

std::string faketime_spec(int64_t delta_ms) {
  if (delta_ms == 0) return "+0";
  // Magnitude as unsigned, so INT64_MIN is not undefined.
  const uint64_t mag = delta_ms < 0 ? uint64_t{0} - static_cast<uint64_t>(delta_ms)
                                    : static_cast<uint64_t>(delta_ms);
  std::string frac = std::to_string(mag % 1000);
  frac.insert(0, 3 - frac.size(), '0');
  return std::string(delta_ms < 0 ? "-" : "+") + std::to_string(mag / 1000) + "." + frac + "s";
}

std::string offset_write_command(const std::string& offset_file, const std::string& spec) {
  // The tmp file sits beside the offset file (same filesystem, so mv is a rename) and
  // carries the shell's pid, so two writers never share one.
  return "f=" + control::shell_quote(offset_file) + "; t=\"$f.tmp.$$\";" +
         " mkdir -p -- \"$(dirname -- \"$f\")\" &&"
         " printf '%s\\n' " + control::shell_quote(spec) + " > \"$t\" &&"
         " mv -f -- \"$t\" \"$f\" || { rm -f -- \"$t\"; exit 1; };"
         " printf 'applied=%s\\n' \"$(head -n 1 -- \"$f\")\"";
}

std::string offset_strobe_command(const std::string& offset_file, const std::string& spec,
                                  int64_t period_ms, int64_t duration_ms) {
  // The deadline is on the node's real clock (date is not faked here). sleep takes
  // fractional seconds (coreutils).
  std::string period = std::to_string(period_ms % 1000);
  period.insert(0, 3 - period.size(), '0');
  period = std::to_string(period_ms / 1000) + "." + period;
  return "f=" + control::shell_quote(offset_file) + "; t=\"$f.tmp.$$\";" +
         " mkdir -p -- \"$(dirname -- \"$f\")\" || exit 1;"
         " end=$(( $(date +%s%N) / 1000000 + " + std::to_string(duration_ms) + " )); n=0;"
         " while [ $(( $(date +%s%N) / 1000000 )) -lt \"$end\" ]; do"
         " if [ $((n % 2)) = 0 ]; then s=" + control::shell_quote(spec) + "; else s=+0; fi;"
         " printf '%s\\n' \"$s\" > \"$t\" && mv -f -- \"$t\" \"$f\" || { rm -f -- \"$t\"; exit 1; };"
         " n=$((n + 1)); sleep " + period + ";"
         " done;"
         " printf '+0\\n' > \"$t\" && mv -f -- \"$t\" \"$f\" || { rm -f -- \"$t\"; exit 1; };"
         " printf 'flips=%s\\n' \"$n\";"
         " printf 'applied=%s\\n' \"$(head -n 1 -- \"$f\")\"";
}

std::string offset_freeze_command(const std::string& offset_file, int64_t delta_ms) {
  // Whole seconds, rounded to the nearest (an absolute spec has no fraction).
  const int64_t delta_s = delta_ms >= 0 ? (delta_ms + 500) / 1000 : -((-delta_ms + 500) / 1000);
  // Wait until 50 ms before the next second boundary b (or the one after, if that is
  // less than 50 ms away), then write b + delta: a running target re-reads the file at
  // its first clock call after b and stands still at b + delta from then on.
  return "f=" + control::shell_quote(offset_file) + "; t=\"$f.tmp.$$\";" +
         " mkdir -p -- \"$(dirname -- \"$f\")\" || exit 1;"
         " ns=$(date +%s%N); s=$((ns / 1000000000)); ms=$(((ns / 1000000) % 1000));"
         " if [ \"$ms\" -gt 950 ]; then s=$((s + 1)); w=$((1950 - ms)); else w=$((950 - ms)); fi;"
         " sleep \"$((w / 1000)).$(printf '%03d' $((w % 1000)))\";"
         " printf '%s\\n' $((s + 1 + (" + std::to_string(delta_s) + "))) > \"$t\" &&"
         " mv -f -- \"$t\" \"$f\" || { rm -f -- \"$t\"; exit 1; };"
         " printf 'applied=%s\\n' \"$(head -n 1 -- \"$f\")\"";
}

bool is_freeze_spec(std::string_view spec) {
  return !spec.empty() && spec.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string offset_measure_command(const std::string& offset_file, const std::string& library) {
  return "f=" + control::shell_quote(offset_file) + ";" +
         " printf 'spec=%s\\n' \"$(head -n 1 -- \"$f\" 2>/dev/null)\";"
         " printf 'now=%s\\n' \"$(" + faketime_command(offset_file, {"date", "+%s%N"}, library) +
         ")\"";
}

base::Result<ClockReading> parse_measurement(const NodeName& node, const std::string& output,
                                             int64_t before_ns, int64_t after_ns) {
  ClockReading r;
  r.node = node;
  std::optional<long long> now;
  std::string_view rest = output;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line.rfind("spec=", 0) == 0) {
      r.spec = std::string(trim(line.substr(5)));
    } else if (line.rfind("now=", 0) == 0) {
      now = parse_number(trim(line.substr(4)));
      if (!now) {
        return base::Error{where(node) + ": faked date printed no time: " +
                           std::string(line.substr(4))};
      }
    }
  }
  if (!now) return base::Error{where(node) + ": clock measurement printed no time: " + output};
  // Midpoint of [before, after] without overflow.
  const int64_t mid = before_ns + (after_ns - before_ns) / 2;
  r.offset_ms = div_round(static_cast<int64_t>(*now) - mid, 1'000'000);
  r.uncertainty_ms = div_round(after_ns - before_ns, 2'000'000);
  return r;
}

std::string describe(const ClockReading& r) {
  return r.node + ": measured " + signed_ms(r.offset_ms) + " ms ±" +
         std::to_string(r.uncertainty_ms) + " (offset file: " +
         (r.spec.empty() ? std::string("none") : r.spec) + ")";
}

std::string describe(const ClockOutcome& o) {
  return o.node + (o.frozen ? ": clock frozen at " : ": clock offset ") + o.spec + " (measured " + signed_ms(o.measured.offset_ms) +
         " ms ±" + std::to_string(o.measured.uncertainty_ms) +
         (o.flips > 0 ? "), after " + std::to_string(o.flips) + " flips" : std::string(")"));
}

namespace {
ClockOutcomes refuse_all(const ClockSkew& skew, const std::string& why) {
  ClockOutcomes out;
  for (const auto& [n, delta] : skew.delta_ms) out.emplace_back(base::Error{where(n) + ": " + why});
  return out;
}
}  // namespace

std::optional<ClockOutcomes> refuse_as_bump(const ClockSkew& skew) {
  if (skew.freeze) return refuse_all(skew, "a clock freeze is not a bump; use freeze()");
  if (skew.strobe_period_ms == 0) return std::nullopt;
  return refuse_all(skew, "a clock strobe is not a bump; use strobe()");
}

std::optional<ClockOutcomes> refuse_as_freeze(const ClockSkew& skew) {
  if (!skew.freeze) return refuse_all(skew, "not a clock freeze (freeze is not set)");
  if (skew.strobe_period_ms != 0) return refuse_all(skew, "a clock freeze cannot strobe");
  return std::nullopt;
}

ClockOutcomes ClockFaults::freeze(const ClockSkew& skew) {
  if (auto refused = refuse_as_freeze(skew)) return std::move(*refused);
  return refuse_all(skew, std::string("the ") + name() +
                              " clock backend cannot freeze a clock (faketime can)");
}

std::optional<ClockOutcomes> refuse_as_strobe(const ClockSkew& skew) {
  if (skew.freeze) return refuse_all(skew, "a clock freeze is not a strobe; use freeze()");
  if (skew.strobe_period_ms > 0 && skew.strobe_duration_ms > 0) return std::nullopt;
  ClockOutcomes out;
  for (const auto& [n, delta] : skew.delta_ms) {
    out.emplace_back(base::Error{where(n) +
                                 ": a clock strobe needs a period and a duration > 0 (got " +
                                 std::to_string(skew.strobe_period_ms) + " ms and " +
                                 std::to_string(skew.strobe_duration_ms) + " ms)"});
  }
  return out;
}

std::vector<NodeName> skewed_nodes(const ClockSkew& skew) {
  std::vector<NodeName> nodes;
  for (const auto& [node, delta] : skew.delta_ms) nodes.push_back(node);
  return nodes;
}

int64_t controller_realtime_ns() { return realtime_ns(); }

base::Result<ClockReading> measure_on(control::Pool& pool, const NodeName& node,
                                      const std::string& command, int64_t timeout_ms) {
  const int64_t before = realtime_ns();
  auto r = pool.exec(node, command, timeout_ms);
  const int64_t after = realtime_ns();
  if (!r.ok()) return r.error();
  if (r->exit_status != 0) {
    return base::Error{where(node) + ": measuring the clock failed (exit " +
                       std::to_string(r->exit_status) + "): " + r->err};
  }
  return parse_measurement(node, r->out, before, after);
}

// ---- FaketimeClock -----------------------------------------------------------------

FaketimeClock::FaketimeClock(control::Pool& pool, std::string offset_file, std::string library)
    : pool_(pool), offset_file_(std::move(offset_file)), library_(std::move(library)) {}

base::Result<ClockReading> FaketimeClock::measure_one(const NodeName& node) {
  return measure_on(pool_, node, offset_measure_command(offset_file_, library_),
                    command_timeout_ms);
}

base::Result<ClockOutcome> FaketimeClock::set_one(const NodeName& node, int64_t delta_ms) {
  ClockOutcome o;
  o.node = node;
  o.delta_ms = delta_ms;
  o.spec = faketime_spec(delta_ms);
  auto r = pool_.exec(node, offset_write_command(offset_file_, o.spec), command_timeout_ms);
  if (!r.ok()) return r.error();
  if (r->exit_status != 0) {
    return base::Error{where(node) + ": writing clock offset " + o.spec + " to " + offset_file_ +
                       " failed (exit " + std::to_string(r->exit_status) + "): " + r->err};
  }
  if (r->out != "applied=" + o.spec + "\n") {
    return base::Error{where(node) + ": wrote clock offset " + o.spec + " to " + offset_file_ +
                       " but read back: " + r->out};
  }
  auto m = measure_one(node);
  if (!m.ok()) {
    return base::Error{m.error().message + " (after writing clock offset " + o.spec + ")"};
  }
  o.measured = std::move(*m);
  return o;
}

ClockOutcomes FaketimeClock::bump(const ClockSkew& skew) {
  if (auto refused = refuse_as_bump(skew)) return std::move(*refused);
  const std::vector<NodeName> nodes = skewed_nodes(skew);
  return per_node<ClockOutcome>(pool_, 
      nodes, [&](const NodeName& node) { return set_one(node, skew.delta_ms.at(node)); });
}

base::Result<ClockOutcome> FaketimeClock::freeze_one(const NodeName& node, int64_t delta_ms) {
  ClockOutcome o;
  o.node = node;
  o.delta_ms = delta_ms;
  o.frozen = true;
  auto r = pool_.exec(node, offset_freeze_command(offset_file_, delta_ms), command_timeout_ms + 1000);
  if (!r.ok()) return r.error();
  const std::string prefix = "applied=";
  if (r->exit_status != 0 || r->out.rfind(prefix, 0) != 0) {
    return base::Error{where(node) + ": freezing the clock in " + offset_file_ + " failed (exit " +
                       std::to_string(r->exit_status) + "): " + r->err + r->out};
  }
  const std::string_view rest = std::string_view(r->out).substr(prefix.size());
  o.spec = std::string(trim(rest.substr(0, rest.find('\n'))));
  if (!is_freeze_spec(o.spec)) {
    return base::Error{where(node) + ": froze the clock in " + offset_file_ + " but read back: " +
                       r->out};
  }
  auto m = measure_one(node);
  if (!m.ok()) return base::Error{m.error().message + " (after freezing the clock at " + o.spec + ")"};
  o.measured = std::move(*m);
  return o;
}

ClockOutcomes FaketimeClock::freeze(const ClockSkew& skew) {
  if (auto refused = refuse_as_freeze(skew)) return std::move(*refused);
  const std::vector<NodeName> nodes = skewed_nodes(skew);
  return per_node<ClockOutcome>(
      pool_, nodes, [&](const NodeName& node) { return freeze_one(node, skew.delta_ms.at(node)); });
}

ClockOutcomes FaketimeClock::reset(const std::vector<NodeName>& nodes) {
  return per_node<ClockOutcome>(pool_, nodes, [&](const NodeName& node) { return set_one(node, 0); });
}

ClockOutcomes FaketimeClock::strobe(const ClockSkew& skew) {
  if (auto refused = refuse_as_strobe(skew)) return std::move(*refused);
  const std::vector<NodeName> nodes = skewed_nodes(skew);
  return per_node<ClockOutcome>(pool_, nodes, [&](const NodeName& node) {
    return strobe_one(node, skew.delta_ms.at(node), skew.strobe_period_ms, skew.strobe_duration_ms);
  });
}

base::Result<ClockOutcome> FaketimeClock::strobe_one(const NodeName& node, int64_t delta_ms,
                                                     int64_t period_ms, int64_t duration_ms) {
  ClockOutcome o;
  o.node = node;
  o.delta_ms = 0;
  o.spec = faketime_spec(0);
  const std::string strobed = faketime_spec(delta_ms);
  auto r = pool_.exec(node, offset_strobe_command(offset_file_, strobed, period_ms, duration_ms),
                      duration_ms + period_ms + command_timeout_ms);
  if (!r.ok()) return r.error();
  if (r->exit_status != 0) {
    return base::Error{where(node) + ": clock strobe " + strobed + " on " + offset_file_ +
                       " failed (exit " + std::to_string(r->exit_status) + "): " + r->err};
  }
  for (std::string_view rest = r->out; !rest.empty();) {
    const size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line.rfind("flips=", 0) == 0) o.flips = parse_number(trim(line.substr(6))).value_or(0);
  }
  if (r->out.find("applied=+0\n") == std::string::npos) {
    return base::Error{where(node) + ": clock strobe " + strobed + " did not leave +0 in " +
                       offset_file_ + ": " + r->out};
  }
  auto m = measure_one(node);
  if (!m.ok()) return base::Error{m.error().message + " (after a clock strobe)"};
  o.measured = std::move(*m);
  return o;
}

ClockReadings FaketimeClock::measure(const std::vector<NodeName>& nodes) {
  return per_node<ClockReading>(pool_, nodes, [&](const NodeName& node) { return measure_one(node); });
}

}  // namespace faultline::nemesis
