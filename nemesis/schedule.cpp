#include "nemesis/schedule.h"

#include <algorithm>

#include "nemesis/topology.h"

namespace faultline::nemesis {

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::Partition: return "partition";
    case FaultKind::Loss: return "loss";
    case FaultKind::Kill: return "kill";
    case FaultKind::Pause: return "pause";
    case FaultKind::Clock: return "clock";
    case FaultKind::CrashLoop: return "crash-loop";
    case FaultKind::Delay: return "delay";
  }
  return "?";
}

base::Result<std::vector<FaultKind>> parse_fault_kinds(std::string_view list) {
  std::vector<FaultKind> kinds;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string_view word = list.substr(start, comma - start);
    bool found = false;
    for (FaultKind k : {FaultKind::Partition, FaultKind::Loss, FaultKind::Kill, FaultKind::Pause,
                        FaultKind::Clock, FaultKind::CrashLoop, FaultKind::Delay}) {
      if (word == to_string(k)) {
        if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
        found = true;
      }
    }
    if (!found) {
      return base::Error{"unknown fault \"" + std::string(word) +
                         "\" (expected partition, loss, kill, pause, clock, crash-loop, delay)"};
    }
    start = comma + 1;
  }
  return kinds;
}

std::vector<ScheduledFault> make_schedule(const ScheduleOptions& options) {
  std::vector<ScheduledFault> events;
  const int64_t lo = std::max<int64_t>(1, options.interval_ms / 2);
  const int64_t hi = std::max<int64_t>(lo, options.interval_ms * 3 / 2);
  for (size_t i = 0; i < options.kinds.size(); ++i) {
    // One stream per kind, derived from the seed: adding a kind to the list does not
    // move the others' faults.
    base::Random random(base::mix64(options.seed ^ (0x9e3779b97f4a7c15ULL *
                                                    (static_cast<uint64_t>(options.kinds[i]) + 1))));
    Phase phase = Phase::Start;
    for (int64_t t = random.between(lo, hi); t < options.duration_ms; t += random.between(lo, hi)) {
      events.push_back(ScheduledFault{t, options.kinds[i], phase});
      phase = phase == Phase::Start ? Phase::Stop : Phase::Start;
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const ScheduledFault& a, const ScheduledFault& b) {
    if (a.at_ms != b.at_ms) return a.at_ms < b.at_ms;
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.phase < b.phase;
  });
  return events;
}

base::Result<TargetSet> parse_target_set(std::string_view name) {
  if (name == "one") return TargetSet::One;
  if (name == "minority") return TargetSet::Minority;
  if (name == "majority") return TargetSet::Majority;
  if (name == "all") return TargetSet::All;
  if (name == "leader") return TargetSet::Leader;
  return base::Error{"unknown target set \"" + std::string(name) +
                     "\" (expected one, minority, majority, all, leader)"};
}

std::vector<NodeName> pick_targets(const std::vector<NodeName>& nodes, TargetSet set,
                                   base::Random& random) {
  const size_t n = nodes.size();
  size_t count = 0;
  switch (set) {
    case TargetSet::One:
    case TargetSet::Leader: count = 1; break;
    case TargetSet::Minority: count = std::max<size_t>(1, (n - 1) / 2); break;
    case TargetSet::Majority: count = n / 2 + 1; break;
    case TargetSet::All: count = n; break;
  }
  std::vector<NodeName> picked = shuffled(nodes, random);
  picked.resize(std::min(count, n));
  std::sort(picked.begin(), picked.end());
  return picked;
}

}  // namespace faultline::nemesis
