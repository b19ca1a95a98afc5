#pragma once
// Register and cas-register models (Knossos `register`, `cas-register`).
//   read v      legal iff the register holds v; an ok read of nil follows NilRead
//               (Unknown: constrains nothing; Absent: the register holds nil)
//   write v     sets v
//   cas [a b]   legal iff the register holds a; sets b (cas-register only)
// f names: read|get, write|put, cas. Reads that ended in info are dropped: they
// observed nothing. Values are compared as JSON values (1 and 1.0 differ).

#include <memory>
#include <vector>

#include "checkers/linearizable/key_ops.h"
#include "checkers/linearizable/models/value_table.h"

namespace faultline::checkers::linearizable {

struct RegisterOp {
  enum class Kind : uint8_t { Read, Write, Cas };
  Kind kind = Kind::Read;
  int32_t a = 0;  // read: value; write: value; cas: expected
  int32_t b = 0;  // cas: new value
  bool operator==(const RegisterOp&) const = default;
};

class RegisterModel {
 public:
  using State = int32_t;
  using Op = RegisterOp;

  RegisterModel(int32_t initial, std::shared_ptr<const ValueTable> values)
      : initial_(initial), values_(std::move(values)) {}
  State init() const { return initial_; }
  std::optional<State> step(State s, const Op& op) const {
    switch (op.kind) {
      case Op::Kind::Read: return s == op.a ? std::optional<State>(s) : std::nullopt;
      case Op::Kind::Write: return op.a;
      case Op::Kind::Cas: return s == op.a ? std::optional<State>(op.b) : std::nullopt;
    }
    return std::nullopt;
  }
  bool read_only(const Op& op) const {
    return op.kind == Op::Kind::Read || (op.kind == Op::Kind::Cas && op.a == op.b);
  }
  uint64_t hash_state(State s) const { return static_cast<uint64_t>(s); }
  uint64_t hash_op(const Op& op) const {
    return (static_cast<uint64_t>(op.kind) << 60) ^ (static_cast<uint64_t>(op.a) << 30) ^
           static_cast<uint64_t>(op.b);
  }
  std::string describe_state(State s) const { return values_->text(s); }
  std::string describe_op(const Op& op) const;

 private:
  int32_t initial_;
  std::shared_ptr<const ValueTable> values_;
};

// allow_cas: false for `register`, true for `cas-register`.
base::Result<Prepared> prepare_register(const std::vector<KeyOp>& ops, const ModelOptions& options,
                                        bool allow_cas);

}  // namespace faultline::checkers::linearizable
