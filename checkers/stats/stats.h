#pragma once
// Stats of a history (Jepsen's stats/perf checkers): for every f and outcome (ok, fail,
// info), the count, the latency percentiles (invoke to completion, from the ops' time
// fields) and throughput over the run; plus the nemesis windows (start/stop ops of the
// process "nemesis") for plots. Informational: the verdict is valid, or unknown when
// the history holds no client operation at all. Thread-safe (no shared state).
//
// Ops are paired by process. Ops of named processes (the nemesis) are not client ops.
// An invoke that never completes counts as info, without a latency; so does one whose
// process invokes again before completing it. Completions without an invoke are
// ignored. Percentiles are exact, by the nearest-rank method on the sorted latencies
// (p-th percentile = the ceil(p/100 * n)-th smallest); ops with no time (-1) on either
// side are counted but have no latency.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checkers/verdict.h"
#include "history/op.h"

namespace faultline::checkers::stats {

struct Latency {
  int64_t count = 0;          // ops with this outcome
  int64_t timed = 0;          // of them, those with a latency (the percentiles' basis)
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0, mean_ms = 0;
};

struct FStats {
  Latency ok, fail, info;  // info ops that never completed are counted, without latency
  double ok_per_s = 0;     // ok completions per second of the run (0 if it has no length)
};

// A fault's span, from the nemesis's first "start-<fault>" op to the last
// "stop-<fault>" op before the next start (the driver writes a requested and an
// applied op for each); a "heal" op ends every open window.
struct NemesisWindow {
  std::string fault;      // e.g. "partition" (f without "start-")
  int64_t start_ns = -1;
  int64_t stop_ns = -1;   // -1: never stopped
};

struct StatsResult {
  Verdict verdict = Verdict::Valid;
  int64_t operations = 0;  // client operations (invokes)
  double duration_s = 0;   // first to last timed client op
  std::map<std::string, FStats> by_f;
  Latency all_ok;
  double ok_per_s = 0;     // all ok completions per second of the run
  std::vector<NemesisWindow> nemesis;  // in start order
};

StatsResult compute_stats(const std::vector<history::Op>& history);
history::Value to_json(const StatsResult& result);

}  // namespace faultline::checkers::stats
