#include "checkers/linearizable/models/register.h"

namespace faultline::checkers::linearizable {

std::string RegisterModel::describe_op(const Op& op) const {
  switch (op.kind) {
    case Op::Kind::Read: return "read " + values_->text(op.a);
    case Op::Kind::Write: return "write " + values_->text(op.a);
    case Op::Kind::Cas: return "cas " + values_->text(op.a) + " -> " + values_->text(op.b);
  }
  return "?";
}

base::Result<Prepared> prepare_register(const std::vector<KeyOp>& ops, const ModelOptions& options,
                                        bool allow_cas) {
  auto values = std::make_shared<ValueTable>();
  const int32_t initial = values->intern(options.initial);
  auto transitions =
      std::make_unique<InternedTransitions<RegisterModel>>(RegisterModel(initial, values));
  Prepared prepared;
  prepared.ops.reserve(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const KeyOp& op = ops[i];
    RegisterOp r;
    if (op.f == "read" || op.f == "get") {
      if (op.indeterminate()) continue;
      if (op.value.is_null() && options.nil_read == NilRead::Unknown) continue;
      r.kind = RegisterOp::Kind::Read;
      r.a = values->intern(op.value);
    } else if (op.f == "write" || op.f == "put") {
      r.kind = RegisterOp::Kind::Write;
      r.a = values->intern(op.value);
    } else if (op.f == "cas" && allow_cas) {
      if (!op.value.is_array() || op.value.size() != 2) {
        return op_error(options, op, "expected the value of a cas to be [from to], got " +
                                         history::to_text(op.value));
      }
      r.kind = RegisterOp::Kind::Cas;
      r.a = values->intern(op.value[0]);
      r.b = values->intern(op.value[1]);
    } else {
      return op_error(options, op,
                      std::string("the ") + (allow_cas ? "cas-register" : "register") +
                          " model has no operation \"" + op.f + "\" (expected read, write" +
                          (allow_cas ? ", cas" : "") + ")");
    }
    prepared.ops.push_back(SearchOp{op.call_pos, op.ret_pos, transitions->add_class(r),
                                    static_cast<int32_t>(i)});
  }
  prepared.transitions = std::move(transitions);
  return prepared;
}

}  // namespace faultline::checkers::linearizable
