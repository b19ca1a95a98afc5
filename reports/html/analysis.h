#pragma once
// The figures report.html shows that no checker computes: client operations joined
// from their invoke and completion (the timeline's bars), op counts by f and outcome,
// the nemesis's fault windows, and availability (the share of ok outcomes) and
// throughput inside fault windows versus outside them. A pure function of the history
// (and of results.json's stats, whose fault windows it reuses when present).
// Thread-safe (no shared state).

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "history/op.h"

namespace faultline::reports::html {

enum class Outcome : uint8_t { Ok = 0, Fail = 1, Info = 2, Pending = 3 };  // Pending: no completion
inline constexpr size_t kOutcomes = 4;
const char* to_string(Outcome outcome);

// One client operation: an invoke joined with its completion (by process, as the
// checkers pair them). An invoke whose process invokes again, or that never completes,
// is Pending with no completion.
struct Operation {
  size_t invoke = 0;         // position of the invoke in the history vector
  int64_t completion = -1;   // position of the completion, or -1
  Outcome outcome = Outcome::Pending;
  int64_t start_ns = -1;     // the invoke's time (-1: none)
  int64_t end_ns = -1;       // the completion's time (-1: none)
  int32_t lane = 0;          // index into RunSummary::lanes
};

// A fault's span: stop_ns -1 when it was never stopped (open until the end of the run).
struct FaultWindow {
  std::string fault;
  int64_t start_ns = -1;
  int64_t stop_ns = -1;
};

// Outcomes of the operations invoked in some span of time, and the span's length.
struct Availability {
  std::array<int64_t, kOutcomes> outcomes{};  // by Outcome
  double seconds = 0;
  int64_t total() const;
  double ok_ratio() const;   // ok / all outcomes (pending counts as unknown); 0 if none
  double ok_per_s() const;   // ok outcomes per second of the span; 0 if it has no length
};

struct RunSummary {
  std::vector<Operation> operations;          // in invoke order
  std::vector<std::string> lanes;             // the client process of each lane, by id
  std::map<std::string, std::array<int64_t, kOutcomes>> counts_by_f;
  std::array<int64_t, kOutcomes> counts{};    // over every f
  int64_t begin_ns = 0;                       // the first client op's time (0 if none)
  int64_t end_ns = 0;                         // the last time of any op
  std::vector<FaultWindow> windows;           // in start order
  Availability inside, outside;               // ops invoked inside any window vs outside
  std::map<std::string, Availability> by_fault;  // inside windows of that fault
  // history index -> position in `operations` (client ops, invoke and completion) or
  // -1; op.index when the history has indices, else the op's position.
  std::vector<int32_t> operation_of_index;
};

// The id of an op for links (#op-<id>): its history index, else its position.
inline int64_t op_id(const history::Op& op, size_t position) {
  return op.index >= 0 ? op.index : static_cast<int64_t>(position);
}

// `results` is results.json (or null); its stats.nemesis windows are used when present,
// else the windows are computed from the nemesis's start-/stop-/heal ops the same way.
RunSummary summarize(const std::vector<history::Op>& history, const history::Value& results);

// The fault windows of a history: from the first "start-X" to the last "stop-X" before
// the next "start-X"; a "heal" ends every open window (checkers/stats/stats.h).
std::vector<FaultWindow> fault_windows(const std::vector<history::Op>& history);

}  // namespace faultline::reports::html
