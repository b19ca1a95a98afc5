#include "nemesis/settime_clock.h"

#include "harness/control/quote.h"
#include "nemesis/delay.h"
#include "nemesis/per_node.h"
#include "nemesis/text.h"

namespace faultline::nemesis {
namespace {

std::string helper_command(const std::string& helper, bool dry_run, const std::string& action,
                           const std::vector<int64_t>& numbers) {
  std::vector<std::string> argv = {helper};
  if (dry_run) argv.push_back("--dry-run");
  argv.push_back(action);
  for (int64_t n : numbers) argv.push_back(std::to_string(n));
  return control::shell_join(argv);
}

}  // namespace

std::string settime_bump_command(const std::string& helper, int64_t delta_ms, bool dry_run) {
  return helper_command(helper, dry_run, "bump", {delta_ms});
}

std::string settime_strobe_command(const std::string& helper, int64_t delta_ms,
                                   int64_t period_ms, int64_t duration_ms, bool dry_run) {
  return helper_command(helper, dry_run, "strobe", {delta_ms, period_ms, duration_ms});
}

std::string settime_reset_command(const std::string& helper, int64_t controller_ns,
                                  bool dry_run) {
  return helper_command(helper, dry_run, "reset", {controller_ns});
}

std::string settime_now_command(const std::string& helper) {
  return helper_command(helper, false, "now", {});
}

SettimeClock::SettimeClock(control::Pool& pool, std::string helper, bool dry_run)
    : pool_(pool), helper_(std::move(helper)), dry_run_(dry_run) {}

base::Status SettimeClock::install(const std::vector<NodeName>& nodes,
                                   const std::filesystem::path& local) {
  return install_helper(pool_, nodes, local, helper_, command_timeout_ms);
}

base::Result<ClockOutcome> SettimeClock::run_then_measure(const NodeName& node,
                                                          const std::string& command,
                                                          int64_t delta_ms, int64_t timeout_ms) {
  ClockOutcome o;
  o.node = node;
  o.delta_ms = delta_ms;
  o.spec = faketime_spec(delta_ms);
  auto r = pool_.exec(node, command, timeout_ms);
  if (!r.ok()) return r.error();
  if (r->exit_status != 0) {
    return base::Error{text::where(node) + ": faultline-settime failed (exit " +
                       std::to_string(r->exit_status) + "): " + r->err + " [" + command + "]"};
  }
  for (std::string_view rest = r->out; !rest.empty();) {
    const size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line.rfind("flips=", 0) == 0) {
      o.flips = text::parse_number(text::trim(line.substr(6))).value_or(0);
    }
  }
  auto m = measure_on(pool_, node, settime_now_command(helper_), command_timeout_ms);
  if (!m.ok()) return m.error();
  o.measured = std::move(*m);
  return o;
}

ClockOutcomes SettimeClock::bump(const ClockSkew& skew) {
  if (auto refused = refuse_as_bump(skew)) return std::move(*refused);
  const std::vector<NodeName> nodes = skewed_nodes(skew);
  return per_node<ClockOutcome>(pool_, nodes, [&](const NodeName& node) {
    const int64_t delta = skew.delta_ms.at(node);
    return run_then_measure(node, settime_bump_command(helper_, delta, dry_run_), delta,
                            command_timeout_ms);
  });
}

ClockOutcomes SettimeClock::reset(const std::vector<NodeName>& nodes) {
  return per_node<ClockOutcome>(pool_, nodes, [&](const NodeName& node) {
    return run_then_measure(node, settime_reset_command(helper_, controller_realtime_ns(), dry_run_),
                            0, command_timeout_ms);
  });
}

ClockOutcomes SettimeClock::strobe(const ClockSkew& skew) {
  if (auto refused = refuse_as_strobe(skew)) return std::move(*refused);
  const std::vector<NodeName> nodes = skewed_nodes(skew);
  return per_node<ClockOutcome>(pool_, nodes, [&](const NodeName& node) {
    return run_then_measure(node,
                            settime_strobe_command(helper_, skew.delta_ms.at(node),
                                                   skew.strobe_period_ms,
                                                   skew.strobe_duration_ms, dry_run_),
                            0, skew.strobe_duration_ms + skew.strobe_period_ms + command_timeout_ms);
  });
}

ClockReadings SettimeClock::measure(const std::vector<NodeName>& nodes) {
  return per_node<ClockReading>(pool_, nodes, [&](const NodeName& node) {
    return measure_on(pool_, node, settime_now_command(helper_), command_timeout_ms);
  });
}

}  // namespace faultline::nemesis
