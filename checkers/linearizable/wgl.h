#pragma once
// WglSearch: the linearizability search for the ops of one key — Wing & Gong's
// algorithm with Lowe's just-in-time linearization and memoisation of (linearized
// ops, model state), the algorithm of Knossos' "linear" checker and of Porcupine.
//
// Semantics (Jepsen's): an op with a return position must take effect between its
// call and its return; an op without one (ret_pos == kNever: it ended in `info`, or
// never completed) may take effect once at any point after its call, or never. `fail`
// ops are not given to the search at all: they certainly did not happen.
//
// The search is an explicit-stack state machine, so run() can stop after a number of
// steps and resume later: the scheduler (checker.h) interleaves keys round-robin and
// one hard key cannot starve the others. Not thread-safe; a search is run by one
// thread at a time.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "checkers/linearizable/budget.h"
#include "checkers/linearizable/memo.h"
#include "checkers/linearizable/transitions.h"
#include "checkers/verdict.h"

namespace faultline::checkers::linearizable {

inline constexpr int64_t kNever = INT64_MAX;

struct SearchOp {
  int64_t call_pos = 0;       // position of the invoke in the history
  int64_t ret_pos = kNever;   // position of the ok completion, or kNever
  int32_t cls = 0;            // class in the Transitions
  int32_t source = 0;         // caller's index of the op, for reports
};

struct PathStep {
  int32_t op;           // index into the search's ops
  int32_t state_after;  // Transitions state id
};

struct SearchResult {
  Verdict verdict = Verdict::Unknown;
  std::string reason;  // for unknown: "time limit", "memory limit"
  int64_t steps = 0;
  int64_t configs = 0;  // memoised configurations
  // Invalid only: the longest linearizable prefix the search found, and the op whose
  // return it could not get past without linearizing (the op that cannot be placed).
  std::vector<PathStep> longest_prefix;
  int32_t failed_op = -1;
  int32_t state_at_failure = -1;
};

// The exact prunings on top of plain WGL (each is argued where it is applied in
// wgl.cpp). All on by default; benchmarks turn them off to measure plain WGL, the
// algorithm of Porcupine and Knossos, as a baseline in the same run.
struct Prunings {
  bool forced_reads = true;         // a legal read-only candidate is the only one tried
  bool skip_idle_indeterminate = true;  // an indeterminate op that changes nothing
  bool interchangeable_first = true;    // same-class indeterminate ops: earliest first
};

class WglSearch {
 public:
  // `ops` may be in any order. `budget` may be null (no limit).
  WglSearch(std::vector<SearchOp> ops, std::unique_ptr<Transitions> transitions,
            MemoryBudget* budget, Prunings prunings = {});
  ~WglSearch();
  WglSearch(const WglSearch&) = delete;
  WglSearch& operator=(const WglSearch&) = delete;

  // Runs at most `max_steps` more steps. Returns true when the search is finished
  // (result() then holds valid or invalid, or unknown if memory ran out).
  bool run(int64_t max_steps);
  // Ends an unfinished search as unknown with `reason`, releasing its memory.
  void give_up(const std::string& reason);
  bool finished() const { return finished_; }
  const SearchResult& result() const { return result_; }

  const std::vector<SearchOp>& ops() const { return ops_; }
  const Transitions& transitions() const { return *transitions_; }
  int64_t memory_bytes() const;

 private:
  struct Frame {
    int32_t op;
    int32_t prev_state;
    int32_t deadline;  // the return entry that bounded the candidates when op was chosen
    bool forced;       // the only candidate tried in its configuration
  };

  void build();
  bool try_linearize(int32_t op, bool forced);
  bool backtrack();
  void lift(int32_t op);
  void unlift(int32_t op);
  void mark(int32_t op, bool on);
  void encode_config(int32_t state);
  bool reserve_for_insert();
  void note_dead_end(int32_t op);
  void finish(Verdict verdict, std::string reason = {});
  void release_memory();

  std::vector<SearchOp> ops_;
  std::unique_ptr<Transitions> transitions_;
  MemoryBudget* budget_;
  Prunings prunings_;

  // Dancing-links lists of entries in position order: entry 2*i is op i's call,
  // entry 2*i+1 its return. head_ heads the completed ops' calls and returns,
  // info_head_ the indeterminate ops' calls.
  std::vector<int32_t> next_, prev_;
  int32_t head_ = 0;
  int32_t info_head_ = 0;
  bool in_indeterminate_ = false;
  bool fresh_ = true;              // a configuration not yet scanned for a forced move  // the cursor walks the indeterminate list
  int32_t deadline_ = -1;          // then: the first return entry of the completed list

  // Linearized sets, split so that the memo key stays short: completed ops in call
  // order (a long run of leading ones plus a short window) and indeterminate ops.
  std::vector<int32_t> rank_;  // op -> index among completed or among indeterminate
  std::vector<uint64_t> done_completed_, done_info_;
  int64_t completed_count_ = 0, info_count_ = 0;
  int64_t lin_completed_ = 0, lin_info_ = 0;
  int64_t prefix_ = 0;  // leading linearized completed ops
  // Interchangeable indeterminate ops (same class) are linearized earliest first.
  std::vector<int32_t> group_, group_rank_, group_taken_;

  std::vector<uint64_t> zobrist_;
  uint64_t set_hash_ = 0;
  int32_t state_ = 0;
  int64_t remaining_completed_ = 0;
  int64_t remaining_observers_ = 0;
  int32_t cursor_ = 0;
  std::vector<Frame> stack_;
  ConfigMemo memo_;
  std::vector<uint32_t> key_;
  int64_t reserved_ = 0;

  // The longest prefix seen at a dead end; best_shared_ frames of stack_ equal it.
  std::vector<PathStep> best_;
  size_t best_shared_ = 0;

  bool built_ = false;
  bool finished_ = false;
  SearchResult result_;
};

}  // namespace faultline::checkers::linearizable
