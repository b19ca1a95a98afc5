#pragma once
// Mutex model (Knossos `mutex`): starts unlocked.
//   acquire   legal iff unlocked; locks
//   release   legal iff locked; unlocks
// Values are ignored; a failed acquire or release did not happen.

#include <vector>

#include "checkers/linearizable/key_ops.h"

namespace faultline::checkers::linearizable {

class MutexModel {
 public:
  using State = bool;  // locked
  enum class Op : uint8_t { Acquire, Release };

  State init() const { return false; }
  std::optional<State> step(State locked, Op op) const {
    if (op == Op::Acquire) return locked ? std::nullopt : std::optional<State>(true);
    return locked ? std::optional<State>(false) : std::nullopt;
  }
  uint64_t hash_state(State s) const { return s ? 1 : 0; }
  uint64_t hash_op(Op op) const { return static_cast<uint64_t>(op); }
  std::string describe_state(State s) const { return s ? "locked" : "unlocked"; }
  std::string describe_op(Op op) const { return op == Op::Acquire ? "acquire" : "release"; }
};

base::Result<Prepared> prepare_mutex(const std::vector<KeyOp>& ops, const ModelOptions& options);

}  // namespace faultline::checkers::linearizable
