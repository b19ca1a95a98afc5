#include "nemesis/nodes_backend.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "nemesis/delay.h"
#include "nemesis/state_file.h"

namespace faultline::nemesis {
namespace {

using history::Value;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void add_error(Applied& a, const std::string& message) {
  a.error += (a.error.empty() ? "" : "; ") + message;
}

Applied no_process_spec(const std::vector<NodeName>& nodes) {
  Applied a;
  a.value["nodes"] = nodes;
  a.error = "process faults need the target's pidfile and start command (none given)";
  return a;
}

}  // namespace

NodesBackend::NodesBackend(harness::control::Pool& pool,
                           std::vector<harness::control::NodeSpec> nodes,
                           std::unique_ptr<ClockFaults> clock, NodesBackendOptions options)
    : pool_(pool),
      nodes_(std::move(nodes)),
      clock_(std::move(clock)),
      options_(std::move(options)),
      net_(pool, addresses_of(nodes_), options_.command_timeout_ms) {
  if (!options_.state_file.empty()) net_.record_state_in(options_.state_file);
  if (options_.process) {
    options_.process->command_timeout_ms = options_.command_timeout_ms;
    processes_.emplace(pool_, *options_.process);
    if (!options_.state_file.empty()) processes_->record_state_in(options_.state_file);
  }
  if (clock_) clock_->command_timeout_ms = options_.command_timeout_ms;
}

std::vector<NodeName> NodesBackend::all_nodes() const {
  std::vector<NodeName> out;
  for (const auto& n : nodes_) out.push_back(n.name);
  return out;
}

// The rules every node's chain held when read back, as the history records them.
Applied NodesBackend::network(base::Status status) {
  Applied a;
  a.value["rules"] = Value::object();
  for (const auto& [node, rules] : net_.applied()) {
    Value list = Value::array();
    for (const auto& r : rules) list.push_back(describe(r));
    a.value["rules"][node] = std::move(list);
  }
  if (!status.ok()) a.error = status.error().message;
  return a;
}

Applied NodesBackend::start_partition(const Partition& partition) {
  return network(net_.apply(partition));
}
Applied NodesBackend::stop_partition() { return network(net_.stop_partition()); }
Applied NodesBackend::start_loss(const Loss& loss) { return network(net_.apply(loss)); }
Applied NodesBackend::stop_loss() { return network(net_.stop_loss()); }

Applied NodesBackend::start_delay(const Delay& delay) {
  Applied a;
  a.value["nodes"] = delay.nodes;
  if (options_.delay_helper.empty()) {
    a.error = "delay faults need the faultline-delay helper (none given)";
    return a;
  }
  if (!delay_helper_installed_) {
    if (auto s = install_helper(pool_, all_nodes(), options_.delay_helper, kDelayHelperPath,
                                options_.command_timeout_ms);
        !s.ok()) {
      a.error = "faultline-delay helper: " + s.error().message;
      return a;
    }
    delay_helper_installed_ = true;
  }
  // A delay replaces the one before: its rules go, then its helpers (which hold the
  // old numbers), then the new helpers start and the new rules go in. Between the two,
  // packets pass undelayed.
  if (longest_hold_ms_ > 0) {
    if (Applied stopped = stop_delay(); !stopped.ok()) return stopped;
  }
  ProcessFaults helpers(pool_, delay_helper_spec(delay, options_.command_timeout_ms));
  const Applied started = processes(helpers.restart(delay.nodes));
  a.value["helpers"] = started.value;
  if (!started.ok()) {
    a.error = started.error + " (no delay rule installed)";
    return a;
  }
  longest_hold_ms_ = delay.delay_ms + delay.jitter_ms;
  Applied rules = network(net_.apply(delay));
  rules.value["helpers"] = started.value;
  return rules;
}

Applied NodesBackend::stop_delay() {
  Applied a = network(net_.stop_delay());
  // Packets queued before the rules went are released within the longest hold.
  std::this_thread::sleep_for(std::chrono::milliseconds(longest_hold_ms_ + 50));
  longest_hold_ms_ = 0;
  const Applied stopped = stop_delay_helpers(options_.command_timeout_ms);
  a.value["helpers"] = stopped.value;
  if (!stopped.ok()) add_error(a, stopped.error);
  return a;
}

Applied NodesBackend::stop_delay_helpers(int64_t timeout_ms) {
  ProcessFaults helpers(pool_, delay_helper_spec(Delay{}, timeout_ms));
  return processes(helpers.kill(all_nodes()));
}

// Per node: what was done and to which pid.
Applied NodesBackend::processes(const NodeOutcomes& outcomes) {
  Applied a;
  a.value["nodes"] = Value::array();
  a.value["pids"] = Value::object();
  a.value["outcomes"] = Value::object();
  for (const auto& o : outcomes) {
    if (!o.ok()) {
      add_error(a, o.error().message);
      continue;
    }
    a.value["nodes"].push_back(o->node);
    if (o->pid > 0) a.value["pids"][o->node] = o->pid;
    a.value["outcomes"][o->node] = describe(*o);
  }
  return a;
}

Applied NodesBackend::kill(const std::vector<NodeName>& nodes) {
  return processes_ ? processes(processes_->kill(nodes)) : no_process_spec(nodes);
}
Applied NodesBackend::restart(const std::vector<NodeName>& nodes) {
  return processes_ ? processes(processes_->restart(nodes)) : no_process_spec(nodes);
}
Applied NodesBackend::pause(const std::vector<NodeName>& nodes) {
  return processes_ ? processes(processes_->pause(nodes)) : no_process_spec(nodes);
}
Applied NodesBackend::resume(const std::vector<NodeName>& nodes) {
  return processes_ ? processes(processes_->resume(nodes)) : no_process_spec(nodes);
}

Applied NodesBackend::crash_loop(const CrashLoop& loop) {
  std::vector<NodeName> nodes;
  for (const auto& [node, gaps] : loop.gaps_ms) nodes.push_back(node);
  if (!processes_) return no_process_spec(nodes);
  auto mark = [&](bool down) -> base::Status {
    if (options_.state_file.empty()) return base::ok_status();
    return update_state(options_.state_file, [&](NemesisState& st) {
      for (const auto& n : nodes) down ? add_killed(st, n) : remove_killed(st, n);
    });
  };
  if (auto s = mark(true); !s.ok()) {
    Applied a;
    a.value["nodes"] = nodes;
    a.error = s.error().message + " (no process was touched)";
    return a;
  }
  // Per node: the restarts made and the last pid (outcomes), as for kill and restart.
  Applied a = processes(processes_->crash_loop(loop));
  if (a.ok()) {
    if (auto s = mark(false); !s.ok()) add_error(a, s.error().message);
  }
  return a;
}

// What was set on each node, then the offsets measured on EVERY node.
Applied NodesBackend::clocks(const ClockOutcomes& outcomes) {
  Applied a;
  a.value["backend"] = clock_->name();
  a.value["set"] = Value::object();
  for (const auto& o : outcomes) {
    if (!o.ok()) {
      add_error(a, o.error().message);
      continue;
    }
    Value set = {{"delta_ms", o->delta_ms}, {"spec", o->spec}};
    if (o->flips > 0) set["flips"] = o->flips;
    if (o->frozen) set["frozen"] = true;
    a.value["set"][o->node] = std::move(set);
  }
  a.value["measured_ms"] = Value::object();
  a.value["uncertainty_ms"] = Value::object();
  for (const auto& m : clock_->measure(all_nodes())) {
    if (!m.ok()) {
      add_error(a, m.error().message);
      continue;
    }
    a.value["measured_ms"][m->node] = m->offset_ms;
    a.value["uncertainty_ms"][m->node] = m->uncertainty_ms;
  }
  return a;
}

Applied NodesBackend::skew_clocks(const ClockSkew& skew) {
  if (!clock_) {
    Applied a;
    a.error = "clock faults need a clock backend (none configured)";
    return a;
  }
  const bool strobe = skew.strobe_period_ms != 0;
  // Intent first: a crash during the bump still leaves the offsets to reset. A strobe
  // ends in step, but may be cut short anywhere.
  if (!options_.state_file.empty()) {
    auto s = update_state(options_.state_file, [&](NemesisState& st) {
      for (const auto& [node, delta] : skew.delta_ms) {
        set_clock_offset(st, node, delta);
        if (skew.freeze) add_clock_frozen(st, node);
      }
    });
    if (!s.ok()) {
      Applied a;
      a.error = s.error().message + " (no clock was touched)";
      return a;
    }
  }
  for (const auto& [node, delta] : skew.delta_ms) skewed_.insert(node);
  if (skew.freeze) return clocks(clock_->freeze(skew));
  return clocks(strobe ? clock_->strobe(skew) : clock_->bump(skew));
}

Applied NodesBackend::reset_clocks(const std::vector<NodeName>& nodes) {
  if (!clock_) {
    Applied a;
    a.error = "clock faults need a clock backend (none configured)";
    return a;
  }
  const ClockOutcomes outcomes = clock_->reset(nodes);
  Applied a = clocks(outcomes);
  for (const auto& o : outcomes) {
    if (!o.ok()) continue;
    skewed_.erase(o->node);
    if (options_.state_file.empty()) continue;
    auto s = update_state(options_.state_file,
                          [&](NemesisState& st) { clear_clock_offset(st, o->node); });
    if (!s.ok()) add_error(a, s.error().message);
  }
  return a;
}

Applied NodesBackend::heal(int64_t timeout_ms) {
  const int64_t deadline = steady_ms() + timeout_ms;
  // Each phase's SSH commands are bounded by an equal share of the time left, so a
  // hung node times out in every phase while the others are healed.
  auto share = [&](int phases_left) {
    return std::max<int64_t>(1000, (deadline - steady_ms()) / phases_left);
  };
  Applied out;
  net_.set_timeout_ms(share(4));
  const Applied net = network(net_.heal());
  out.value["network"] = net.ok() ? Value("no FAULTLINE chain on any node") : net.value;
  if (!net.ok()) add_error(out, net.error);
  // The rules are gone, so nothing new is queued; what a helper still holds would be
  // let go within the longest hold.
  std::this_thread::sleep_for(std::chrono::milliseconds(longest_hold_ms_));
  longest_hold_ms_ = 0;
  const Applied helpers = stop_delay_helpers(share(3));
  out.value["delay_helpers"] = helpers.value;
  if (!helpers.ok()) add_error(out, helpers.error);

  if (processes_) {
    ProcessSpec spec = processes_->spec();
    spec.command_timeout_ms = share(2);
    ProcessFaults healer(pool_, spec);
    if (!options_.state_file.empty()) healer.record_state_in(options_.state_file);
    const Applied p = processes(healer.heal());
    out.value["processes"] = p.value;
    if (!p.ok()) add_error(out, p.error);
  }

  std::set<NodeName> to_reset = skewed_;
  if (!options_.state_file.empty()) {
    if (auto st = read_state(options_.state_file); st.ok()) {
      for (const auto& node : clocks_to_reset(*st)) to_reset.insert(node);
    }
  }
  if (clock_ && !to_reset.empty()) {
    clock_->command_timeout_ms = share(1);
    // Every node: an offset cannot hurt to reset, and one may have been missed.
    const Applied c = reset_clocks(all_nodes());
    out.value["clocks"] = c.value;
    if (!c.ok()) add_error(out, c.error);
  }
  return out;
}

}  // namespace faultline::nemesis
