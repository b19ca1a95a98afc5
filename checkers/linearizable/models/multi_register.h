#pragma once
// Multi-register model (Knossos `multi-register`): a few named registers, read and
// written by transactions. An op is `txn` with a value such as
//   [["read","x",0],["write","y",2]]     (EDN: [[:read :x 0] [:write :y 2]])
// applied atomically and in order: a read is legal iff the register holds the value
// read (a nil read follows NilRead), a write sets it. The initial value is an object
// {"x":0,"y":0}; registers it does not name start as nil. Indeterminate txns keep
// their writes and lose their reads (nothing was observed).

#include <vector>

#include "checkers/linearizable/key_ops.h"
#include "checkers/linearizable/models/value_table.h"

namespace faultline::checkers::linearizable {

struct MicroOp {
  bool write = false;
  int32_t reg = 0;
  int32_t value = -1;  // -1: a read whose value is unknown
  bool operator==(const MicroOp&) const = default;
};

class MultiRegisterModel {
 public:
  using State = std::vector<int32_t>;  // value id per register
  using Op = std::vector<MicroOp>;

  MultiRegisterModel(State initial, std::vector<std::string> names,
                     std::shared_ptr<const ValueTable> values)
      : initial_(std::move(initial)), names_(std::move(names)), values_(std::move(values)) {}

  State init() const { return initial_; }
  std::optional<State> step(const State& s, const Op& op) const;
  bool read_only(const Op& op) const {
    for (const MicroOp& m : op) {
      if (m.write) return false;
    }
    return true;
  }
  size_t heap_bytes(const State& s) const { return s.capacity() * sizeof(int32_t); }
  uint64_t hash_state(const State& s) const;
  uint64_t hash_op(const Op& op) const;
  std::string describe_state(const State& s) const;
  std::string describe_op(const Op& op) const;

 private:
  State initial_;
  std::vector<std::string> names_;
  std::shared_ptr<const ValueTable> values_;
};

base::Result<Prepared> prepare_multi_register(const std::vector<KeyOp>& ops,
                                              const ModelOptions& options);

}  // namespace faultline::checkers::linearizable
