#pragma once
// The nemesis schedule: when each kind of fault starts and stops during a run.
// For every fault kind a seeded timeline alternates start, stop, start, ... with
// random gaps around `interval`, as Jepsen's nemesis generators do; kinds run
// independently (a partition may overlap a pause). Also the target selections for
// kill and pause (one node, a minority, a majority, all). Pure and deterministic:
// the same seed gives the same schedule; the run records the seed.
// Thread-safe as long as each thread brings its own Random.

#include <cstdint>
#include <string>
#include <vector>

#include "base/random.h"
#include "base/result.h"
#include "nemesis/faults.h"

namespace faultline::nemesis {

enum class FaultKind { Partition, Loss, Kill, Pause, Clock, CrashLoop, Delay };
enum class Phase { Start, Stop };

std::string_view to_string(FaultKind kind);
// "partition,kill,clock" -> kinds, in the order given; errors name the unknown word.
// CrashLoop is spelled "crash-loop".
base::Result<std::vector<FaultKind>> parse_fault_kinds(std::string_view list);

struct ScheduledFault {
  int64_t at_ms = 0;  // since the main phase began
  FaultKind kind = FaultKind::Partition;
  Phase phase = Phase::Start;
  bool operator==(const ScheduledFault&) const = default;
};

struct ScheduleOptions {
  std::vector<FaultKind> kinds;
  int64_t interval_ms = 10'000;  // mean gap between a kind's starts and stops
  int64_t duration_ms = 60'000;  // the main phase; nothing is scheduled after it
  uint64_t seed = 1;
};

// Every start and stop in time order (ties: kind order, then start before stop).
// Each gap is drawn uniformly from [interval/2, 3*interval/2]. A kind whose last
// event is a start is left started: the final heal undoes it, as it always runs.
std::vector<ScheduledFault> make_schedule(const ScheduleOptions& options);

// Which nodes a kill or pause hits. Leader is the node the target says leads; only the
// caller can ask (nemesis/driver.h does), so pick_targets treats it as One.
enum class TargetSet { One, Minority, Majority, All, Leader };
// one|minority|majority|all|leader
base::Result<TargetSet> parse_target_set(std::string_view name);
// A random choice of nodes of that size: One (and Leader) 1, Minority (n-1)/2 (at
// least 1), Majority n/2+1, All n. Sorted by name.
std::vector<NodeName> pick_targets(const std::vector<NodeName>& nodes, TargetSet set,
                                   base::Random& random);

}  // namespace faultline::nemesis
