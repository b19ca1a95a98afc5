#include "checkers/linearizable/models/multi_register.h"

#include <map>

namespace faultline::checkers::linearizable {

std::optional<MultiRegisterModel::State> MultiRegisterModel::step(const State& s,
                                                                  const Op& op) const {
  State next = s;
  for (const MicroOp& m : op) {
    if (m.write) {
      next[static_cast<size_t>(m.reg)] = m.value;
    } else if (m.value >= 0 && next[static_cast<size_t>(m.reg)] != m.value) {
      return std::nullopt;
    }
  }
  return next;
}

uint64_t MultiRegisterModel::hash_state(const State& s) const {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (int32_t v : s) h = (h ^ static_cast<uint64_t>(v + 1)) * 0x100000001b3ULL;
  return h;
}

uint64_t MultiRegisterModel::hash_op(const Op& op) const {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const MicroOp& m : op) {
    h = (h ^ static_cast<uint64_t>(m.write)) * 0x100000001b3ULL;
    h = (h ^ static_cast<uint64_t>(m.reg)) * 0x100000001b3ULL;
    h = (h ^ static_cast<uint64_t>(m.value + 1)) * 0x100000001b3ULL;
  }
  return h;
}

std::string MultiRegisterModel::describe_state(const State& s) const {
  std::string out = "{";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0) out += ", ";
    out += names_[i] + ": " + values_->text(s[i]);
  }
  return out + "}";
}

std::string MultiRegisterModel::describe_op(const Op& op) const {
  std::string out = "txn [";
  for (size_t i = 0; i < op.size(); ++i) {
    if (i > 0) out += ", ";
    const MicroOp& m = op[i];
    out += m.write ? "write " : "read ";
    out += names_[static_cast<size_t>(m.reg)] + " ";
    out += m.value >= 0 ? values_->text(m.value) : "?";
  }
  return out + "]";
}

base::Result<Prepared> prepare_multi_register(const std::vector<KeyOp>& ops,
                                              const ModelOptions& options) {
  auto values = std::make_shared<ValueTable>();
  const int32_t nil = values->intern(nullptr);
  std::map<std::string, int32_t> reg_ids;  // ordered: deterministic register numbering
  std::vector<std::string> names;
  auto reg_of = [&](const std::string& name) {
    auto [it, inserted] = reg_ids.try_emplace(name, static_cast<int32_t>(names.size()));
    if (inserted) names.push_back(name);
    return it->second;
  };
  auto name_of = [](const history::Value& k) {
    return k.is_string() ? k.get<std::string>() : history::to_text(k);
  };

  std::vector<std::pair<int32_t, int32_t>> initial_values;
  if (options.initial.is_object()) {
    for (const auto& [k, v] : options.initial.items()) {
      initial_values.emplace_back(reg_of(k), values->intern(v));
    }
  } else if (!options.initial.is_null()) {
    return base::Error{"the multi-register model expects an initial value like "
                       "{\"x\":0,\"y\":0}, got " + history::to_text(options.initial)};
  }

  // First pass: micro-ops (registers get numbers as they appear).
  std::vector<std::optional<MultiRegisterModel::Op>> txns(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const KeyOp& op = ops[i];
    if (op.f != "txn") {
      return op_error(options, op,
                      "the multi-register model has no operation \"" + op.f +
                          "\" (expected txn)");
    }
    if (!op.value.is_array()) {
      return op_error(options, op,
                      "expected a txn value like [[\"read\",\"x\",0]], got " + history::to_text(op.value));
    }
    MultiRegisterModel::Op txn;
    for (const auto& m : op.value) {
      if (!m.is_array() || m.size() != 3 || !m[0].is_string() ||
          (m[0] != "read" && m[0] != "write" && m[0] != "r" && m[0] != "w")) {
        return op_error(options, op,
                        "expected each micro-op of a txn to be [read|write, register, value], "
                        "got " + history::to_text(m));
      }
      MicroOp micro;
      micro.write = m[0] == "write" || m[0] == "w";
      micro.reg = reg_of(name_of(m[1]));
      if (micro.write) {
        micro.value = values->intern(m[2]);
      } else if (op.indeterminate() ||
                 (m[2].is_null() && options.nil_read == NilRead::Unknown)) {
        micro.value = -1;
      } else {
        micro.value = values->intern(m[2]);
      }
      txn.push_back(micro);
    }
    txns[i] = std::move(txn);
  }

  MultiRegisterModel::State initial(names.size(), nil);
  for (const auto& [reg, value] : initial_values) initial[static_cast<size_t>(reg)] = value;
  auto transitions = std::make_unique<InternedTransitions<MultiRegisterModel>>(
      MultiRegisterModel(std::move(initial), names, values));
  Prepared prepared;
  for (size_t i = 0; i < ops.size(); ++i) {
    prepared.ops.push_back(SearchOp{ops[i].call_pos, ops[i].ret_pos,
                                    transitions->add_class(*txns[i]), static_cast<int32_t>(i)});
  }
  prepared.transitions = std::move(transitions);
  return prepared;
}

}  // namespace faultline::checkers::linearizable
