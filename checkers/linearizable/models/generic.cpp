#include "checkers/linearizable/models/generic.h"

namespace faultline::checkers::linearizable {

std::optional<GenericModel::State> GenericModel::step(const State& s, const Op& op) const {
  switch (op.kind) {
    case Op::Kind::Read: {
      // As in the append model, a key never appended to reads as empty.
      const bool empty_read = (op.a.is_array() || op.a.is_string()) && op.a.empty();
      if (s == op.a || (s.is_null() && empty_read)) return s;
      return std::nullopt;
    }
    case Op::Kind::Write: return op.a;
    case Op::Kind::Cas: return s == op.a ? std::optional<State>(op.b) : std::nullopt;
    case Op::Kind::Append: {
      if (s.is_string() || (s.is_null() && string_key_)) {
        if (!op.a.is_string()) return std::nullopt;
        return State((s.is_null() ? std::string() : s.get<std::string>()) +
                     op.a.get<std::string>());
      }
      if (s.is_null()) return State::array({op.a});
      if (!s.is_array()) return std::nullopt;  // appending to a number: not possible
      State next = s;
      next.push_back(op.a);
      return next;
    }
  }
  return std::nullopt;
}

size_t value_heap_bytes(const history::Value& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().capacity() + 32;
  if (v.is_array()) {
    size_t n = v.size() * sizeof(history::Value) + 24;
    for (const auto& e : v) n += value_heap_bytes(e);
    return n;
  }
  if (v.is_object()) {
    size_t n = 48;
    for (const auto& [k, e] : v.items()) n += 64 + k.capacity() + value_heap_bytes(e);
    return n;
  }
  return 0;
}

std::string GenericModel::describe_op(const Op& op) const {
  switch (op.kind) {
    case Op::Kind::Read: return "read " + history::to_text(op.a);
    case Op::Kind::Write: return "write " + history::to_text(op.a);
    case Op::Kind::Cas: return "cas " + history::to_text(op.a) + " -> " + history::to_text(op.b);
    case Op::Kind::Append: return "append " + history::to_text(op.a);
  }
  return "?";
}

base::Result<Prepared> prepare_generic(const std::vector<KeyOp>& ops, const ModelOptions& options) {
  bool string_key = options.initial.is_string();
  for (const KeyOp& op : ops) {
    if ((op.f == "read" || op.f == "get") && !op.indeterminate() && op.value.is_string()) {
      string_key = true;
    }
  }
  // With "nil means absent", an ok read of nil sees an absent key; appends then start
  // from nil as well, so nil stays the representation of both.
  auto transitions = std::make_unique<InternedTransitions<GenericModel>>(
      GenericModel(options.initial, string_key));
  Prepared prepared;
  for (size_t i = 0; i < ops.size(); ++i) {
    const KeyOp& op = ops[i];
    GenericOp g;
    if (op.f == "read" || op.f == "get") {
      if (op.indeterminate()) continue;
      if (op.value.is_null() && options.nil_read == NilRead::Unknown) continue;
      g.kind = GenericOp::Kind::Read;
      g.a = op.value;
    } else if (op.f == "write" || op.f == "put") {
      g.kind = GenericOp::Kind::Write;
      g.a = op.value;
    } else if (op.f == "cas") {
      if (!op.value.is_array() || op.value.size() != 2) {
        return op_error(options, op,
                        "expected the value of a cas to be [from to], got " + history::to_text(op.value));
      }
      g.kind = GenericOp::Kind::Cas;
      g.a = op.value[0];
      g.b = op.value[1];
    } else if (op.f == "append") {
      g.kind = GenericOp::Kind::Append;
      g.a = op.value;
    } else {
      return op_error(options, op,
                      "the kv model has no operation \"" + op.f +
                          "\" (expected read, get, write, put, cas, append)");
    }
    prepared.ops.push_back(SearchOp{op.call_pos, op.ret_pos, transitions->add_class(g),
                                    static_cast<int32_t>(i)});
  }
  prepared.transitions = std::move(transitions);
  return prepared;
}

}  // namespace faultline::checkers::linearizable
