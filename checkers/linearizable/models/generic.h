#pragma once
// Generic key-value model: the state is the key's whole value (any JSON value).
//   read v      legal iff the value is v (a nil read follows NilRead); a nil value
//               reads as [] or "" too, as in the append model
//   write v     sets v                     (f: write | put)
//   cas [a b]   legal iff the value is a; sets b
//   append e    adds e at the end of a list, or concatenates a string element to a
//               string; appending to nil starts a string if the key is a string key
//               (a read returned a string, or the initial value is one), else a list
// Used for kv keys that mix appends with writes or cas. Exact but without the append
// model's abstraction, so many concurrent appends cost what they cost in Porcupine.

#include <vector>

#include "checkers/linearizable/key_ops.h"

namespace faultline::checkers::linearizable {

// Approximate heap memory a JSON value owns (strings, elements, object nodes).
size_t value_heap_bytes(const history::Value& v);

struct GenericOp {
  enum class Kind : uint8_t { Read, Write, Cas, Append };
  Kind kind = Kind::Read;
  history::Value a, b;
  bool operator==(const GenericOp&) const = default;
};

class GenericModel {
 public:
  using State = history::Value;
  using Op = GenericOp;

  GenericModel(history::Value initial, bool string_key)
      : initial_(std::move(initial)), string_key_(string_key) {}
  State init() const { return initial_; }
  std::optional<State> step(const State& s, const Op& op) const;
  bool read_only(const Op& op) const {
    return op.kind == Op::Kind::Read || (op.kind == Op::Kind::Cas && op.a == op.b);
  }
  size_t heap_bytes(const State& s) const { return value_heap_bytes(s); }
  uint64_t hash_state(const State& s) const { return std::hash<history::Value>{}(s); }
  uint64_t hash_op(const Op& op) const {
    return std::hash<history::Value>{}(op.a) * 31 + std::hash<history::Value>{}(op.b) +
           static_cast<uint64_t>(op.kind);
  }
  std::string describe_state(const State& s) const { return history::to_text(s); }
  std::string describe_op(const Op& op) const;

 private:
  history::Value initial_;
  bool string_key_;
};

base::Result<Prepared> prepare_generic(const std::vector<KeyOp>& ops, const ModelOptions& options);

}  // namespace faultline::checkers::linearizable
