#include "nemesis/heal.h"

#include <map>

#include "nemesis/clock.h"
#include "nemesis/delay.h"
#include "nemesis/iptables.h"
#include "nemesis/process_faults.h"
#include "nemesis/settime_clock.h"
#include "nemesis/state_file.h"

namespace faultline::nemesis {

HealReport heal_from_state(harness::control::Pool& pool,
                           const std::vector<harness::control::NodeSpec>& nodes,
                           const std::filesystem::path& state_file) {
  HealReport report;
  auto state = read_state(state_file);
  if (!state.ok()) {
    report.errors.push_back(state.error().message);
    return report;
  }

  IptablesNet net(pool, addresses_of(nodes));
  net.record_state_in(state_file);
  if (auto s = net.heal(); s.ok()) {
    report.done.push_back("network: our FAULTLINE chain removed on every node");
  } else {
    report.errors.push_back(s.error().message);
  }

  // Delay helpers are not recorded: look for one on every node (its pidfile, checked
  // like any process of ours). The rules that fed it went with the chain above.
  std::vector<NodeName> all;
  for (const auto& n : nodes) all.push_back(n.name);
  for (const auto& o : ProcessFaults(pool, delay_helper_spec(Delay{}, 10'000)).kill(all)) {
    if (!o.ok()) {
      report.errors.push_back(o.error().message);
    } else if (o->action == ProcessAction::Killed) {
      report.done.push_back(o->node + ": delay helper stopped (" + describe(*o) + ")");
    }
  }

  std::vector<NodeName> paused, killed;
  for (const auto& [node, pids] : state->paused) paused.push_back(node);
  killed.assign(state->killed.begin(), state->killed.end());
  if (!paused.empty() || !killed.empty()) {
    if (!state->process) {
      report.errors.push_back(state_file.string() +
                              ": processes are recorded as paused or killed, but not how to "
                              "find or restart the target; not signalling anything");
    } else {
      ProcessSpec spec;
      spec.pidfile = state->process->pidfile;
      spec.start_command = state->process->start_command;
      spec.expect = state->process->expect;
      ProcessFaults processes(pool, spec);
      processes.record_state_in(state_file);
      auto note = [&](const NodeOutcomes& outcomes) {
        for (const auto& o : outcomes) {
          if (o.ok()) {
            report.done.push_back(describe(*o));
          } else {
            report.errors.push_back(o.error().message);
          }
        }
      };
      note(processes.resume(paused));
      note(processes.restart(killed));
    }
  }

  // Each node's clock is reset by the backend its NodeSpec names (faketime unless
  // "settime").
  std::map<std::string, std::vector<NodeName>> skewed_by_backend;
  for (const auto& node : clocks_to_reset(*state)) {
    std::string backend = "faketime";
    for (const auto& n : nodes) {
      if (n.name == node && n.clock == "settime") backend = "settime";
    }
    skewed_by_backend[backend].push_back(node);
  }
  for (const auto& [backend, skewed] : skewed_by_backend) {
    FaketimeClock faketime(pool);
    SettimeClock settime(pool);
    ClockFaults& clock = backend == "settime" ? static_cast<ClockFaults&>(settime) : faketime;
    for (const auto& o : clock.reset(skewed)) {
      if (!o.ok()) {
        report.errors.push_back(o.error().message);
        continue;
      }
      report.done.push_back(o->node + ": clock offset reset to +0");
      auto s = update_state(state_file, [&](NemesisState& st) { clear_clock_offset(st, o->node); });
      if (!s.ok()) report.errors.push_back(s.error().message);
    }
  }
  return report;
}

}  // namespace faultline::nemesis
