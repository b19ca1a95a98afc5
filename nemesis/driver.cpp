#include "nemesis/driver.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "nemesis/topology.h"

namespace faultline::nemesis {
namespace {

using history::Value;

std::string fault_name(Phase phase, FaultKind kind) {
  return std::string(phase == Phase::Start ? "start-" : "stop-") + std::string(to_string(kind));
}

}  // namespace

base::Result<std::vector<std::string>> parse_topologies(std::string_view list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string word(list.substr(start, comma - start));
    if (std::find(kTopologies.begin(), kTopologies.end(), word) == kTopologies.end()) {
      std::string known;
      for (const auto& t : kTopologies) known += (known.empty() ? "" : ", ") + t;
      return base::Error{"unknown partition topology \"" + word + "\" (expected " + known + ")"};
    }
    if (std::find(out.begin(), out.end(), word) == out.end()) out.push_back(word);
    start = comma + 1;
  }
  return out;
}

base::Status set_clock_faults(DriverOptions& options, std::string_view list) {
  bool bump = false, strobe = false, freeze = false;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string_view word = list.substr(start, comma - start);
    if (word == "bump") {
      bump = true;
    } else if (word == "strobe") {
      strobe = true;
    } else if (word == "freeze") {
      freeze = true;
    } else {
      return base::Error{"unknown clock fault \"" + std::string(word) +
                         "\" (expected bump, strobe, freeze)"};
    }
    start = comma + 1;
  }
  const int named = int{bump} + int{strobe} + int{freeze};
  // Freeze is drawn first, then strobe among the rest (driver.h).
  options.clock_freeze_share = freeze ? 1.0 / named : 0.0;
  options.clock_strobe_share = strobe ? (bump ? 0.5 : 1.0) : 0.0;
  return base::ok_status();
}

Driver::Driver(FaultBackend& backend, std::vector<NodeName> nodes, DriverOptions options,
               const base::Clock& clock, OpSink sink, LeaderFn leader)
    : backend_(backend),
      nodes_(std::move(nodes)),
      options_(std::move(options)),
      clock_(clock),
      sink_(std::move(sink)),
      leader_(std::move(leader)),
      // Its own stream, apart from the schedule's: the same seed gives the same run.
      random_(base::mix64(options_.schedule.seed ^ 0x6e656d65736973ULL)),
      origin_ns_(clock.now_ns()),
      schedule_(make_schedule(options_.schedule)) {}

Driver::~Driver() { stop(); }

std::optional<int64_t> Driver::next_due_ns() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return std::nullopt;
  }
  if (next_ >= schedule_.size()) return std::nullopt;
  return origin_ns_ + schedule_[next_].at_ms * 1'000'000;
}

int Driver::step() {
  int ran = 0;
  for (auto due = next_due_ns(); due && *due <= clock_.now_ns(); due = next_due_ns()) {
    run(schedule_[next_++]);
    ++ran;
  }
  return ran;
}

void Driver::start() {
  thread_ = std::thread([this] {
    for (;;) {
      step();
      const auto due = next_due_ns();
      if (!due) return;
      std::unique_lock<std::mutex> lock(mu_);
      const int64_t wait = *due - clock_.now_ns();
      if (wait > 0) {
        wake_.wait_for(lock, std::chrono::nanoseconds(wait), [this] { return stopped_; });
      }
      if (stopped_) return;
    }
  });
}

void Driver::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

base::Status Driver::heal() {
  write("heal", Value{{"requested", Value{{"nodes", nodes_}}}});
  const Applied applied = backend_.heal(options_.heal_timeout_ms);
  write_applied("heal", applied);
  killed_.clear();
  paused_.clear();
  skewed_.clear();
  crash_looped_.clear();
  if (!applied.ok()) return base::Error{applied.error};
  return base::ok_status();
}

void Driver::write(const std::string& f, Value value, const std::string& error) {
  history::Op op;
  op.time = clock_.now_ns() - origin_ns_;
  op.process = history::Process::named("nemesis");
  op.type = history::OpType::Info;
  op.f = f;
  op.value = std::move(value);
  if (!error.empty()) op.error = error;
  sink_(std::move(op));
}

void Driver::write_applied(const std::string& f, const Applied& applied) {
  write(f, Value{{"applied", applied.value}}, applied.error);
}

void Driver::run(const ScheduledFault& fault) {
  if (fault.phase == Phase::Start) {
    start_fault(fault.kind);
  } else {
    stop_fault(fault.kind);
  }
}

NodeName Driver::leader_or_random(std::string& note) {
  std::optional<NodeName> leader = leader_ ? leader_() : std::nullopt;
  if (leader && std::find(nodes_.begin(), nodes_.end(), *leader) != nodes_.end()) return *leader;
  const NodeName picked = nodes_[random_.below(nodes_.size())];
  note = (leader ? "the target named \"" + *leader + "\" as leader, which is not a node"
                 : std::string("no leader known")) +
         "; picked " + picked + " at random";
  return picked;
}

std::vector<NodeName> Driver::targets(std::string& note) {
  if (options_.targets == TargetSet::Leader) return {leader_or_random(note)};
  return pick_targets(nodes_, options_.targets, random_);
}

base::Result<Partition> Driver::topology(const std::string& name, std::string& note) {
  if (name == "halves") return halves(nodes_);
  if (name == "random-halves") return random_halves(nodes_, random_);
  if (name == "isolate") return isolate_random(nodes_, random_);
  if (name == "isolate-leader") return isolate(nodes_, leader_or_random(note));
  if (name == "majorities-ring") return majorities_ring(nodes_, random_);
  if (name == "bridge") return bridge(nodes_);
  if (name == "minority-third") return minority_third(nodes_, random_);
  return base::Error{"unknown partition topology \"" + name + "\""};
}

void Driver::start_fault(FaultKind kind) {
  const std::string f = fault_name(Phase::Start, kind);
  std::string note;
  Value requested = Value::object();
  auto ask = [&] {
    if (!note.empty()) requested["note"] = note;
    write(f, Value{{"requested", requested}});
  };
  switch (kind) {
    case FaultKind::Partition: {
      const std::string name =
          options_.topologies[random_.below(options_.topologies.size())];
      auto p = topology(name, note);
      requested["topology"] = name;
      if (p.ok()) requested["grudge"] = p->grudge;
      ask();
      if (!p.ok()) {
        write(f, Value{{"applied", Value::object()}}, p.error().message);
        return;
      }
      Applied applied = backend_.start_partition(*p);
      applied.value["grudge"] = p->grudge;
      write_applied(f, applied);
      return;
    }
    case FaultKind::Loss: {
      const auto victims = targets(note);
      Loss loss;
      loss.probability = options_.loss_probability;
      for (const auto& to : victims) {
        for (const auto& from : nodes_) {
          if (from != to) loss.pairs.push_back({from, to});
        }
      }
      requested["nodes"] = victims;
      requested["probability"] = loss.probability;
      ask();
      write_applied(f, backend_.start_loss(loss));
      return;
    }
    case FaultKind::Delay: {
      Delay delay;
      delay.nodes = targets(note);
      delay.delay_ms = options_.delay_ms;
      delay.jitter_ms = options_.delay_jitter_ms;
      delay.seed = random_.next_u64();
      requested["nodes"] = delay.nodes;
      requested["delay_ms"] = delay.delay_ms;
      requested["jitter_ms"] = delay.jitter_ms;
      ask();
      write_applied(f, backend_.start_delay(delay));
      return;
    }
    case FaultKind::Kill:
    case FaultKind::Pause: {
      const auto victims = targets(note);
      requested["nodes"] = victims;
      ask();
      auto& undo = kind == FaultKind::Kill ? killed_ : paused_;
      undo = victims;
      write_applied(f, kind == FaultKind::Kill ? backend_.kill(victims) : backend_.pause(victims));
      return;
    }
    case FaultKind::CrashLoop: {
      const auto victims = targets(note);
      const int64_t lo = std::max<int64_t>(1, options_.crash_loop_min_gap_ms);
      const int64_t hi = std::max(lo, options_.crash_loop_max_gap_ms);
      const int64_t duration = std::min<int64_t>(options_.schedule.interval_ms, 10'000);
      CrashLoop loop;
      for (const auto& n : victims) {
        auto& gaps = loop.gaps_ms[n];
        for (int64_t total = 0; total < duration;) {
          gaps.push_back(random_.between(lo, hi));
          total += gaps.back();
        }
      }
      requested["nodes"] = victims;
      requested["gap_ms"] = Value::array({lo, hi});
      requested["duration_ms"] = duration;
      ask();
      crash_looped_ = victims;
      write_applied(f, backend_.crash_loop(loop));
      return;
    }
    case FaultKind::Clock: {
      const auto victims = targets(note);
      ClockSkew skew;
      const int64_t max = std::max<int64_t>(1, options_.clock_max_delta_ms);
      for (const auto& n : victims) {
        const int64_t magnitude = random_.between(std::max<int64_t>(1, max / 10), max);
        skew.delta_ms[n] = random_.chance(0.5) ? magnitude : -magnitude;
      }
      if (options_.clock_freeze_share > 0 && random_.chance(options_.clock_freeze_share)) {
        // The clock stops where it is; the stop of the fault resets it.
        for (auto& [n, delta] : skew.delta_ms) delta = 0;
        skew.freeze = true;
        requested["freeze"] = true;
      } else if (random_.chance(options_.clock_strobe_share)) {
        skew.strobe_period_ms = random_.between(100, 1000);
        skew.strobe_duration_ms = std::min<int64_t>(options_.schedule.interval_ms, 10'000);
        requested["strobe_period_ms"] = skew.strobe_period_ms;
        requested["strobe_duration_ms"] = skew.strobe_duration_ms;
      }
      requested["delta_ms"] = skew.delta_ms;
      ask();
      skewed_ = victims;
      write_applied(f, backend_.skew_clocks(skew));
      return;
    }
  }
}

void Driver::stop_fault(FaultKind kind) {
  const std::string f = fault_name(Phase::Stop, kind);
  auto undo = [&](std::vector<NodeName>& nodes, auto action) {
    write(f, Value{{"requested", Value{{"nodes", nodes}}}});
    const std::vector<NodeName> list = std::exchange(nodes, {});
    write_applied(f, (backend_.*action)(list));
  };
  switch (kind) {
    case FaultKind::Partition:
      write(f, Value{{"requested", Value::object()}});
      write_applied(f, backend_.stop_partition());
      return;
    case FaultKind::Loss:
      write(f, Value{{"requested", Value::object()}});
      write_applied(f, backend_.stop_loss());
      return;
    case FaultKind::Delay:
      write(f, Value{{"requested", Value::object()}});
      write_applied(f, backend_.stop_delay());
      return;
    case FaultKind::Kill: undo(killed_, &FaultBackend::restart); return;
    case FaultKind::Pause: undo(paused_, &FaultBackend::resume); return;
    case FaultKind::Clock: undo(skewed_, &FaultBackend::reset_clocks); return;
    case FaultKind::CrashLoop: undo(crash_looped_, &FaultBackend::restart); return;
  }
}

}  // namespace faultline::nemesis
