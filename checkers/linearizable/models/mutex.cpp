#include "checkers/linearizable/models/mutex.h"

namespace faultline::checkers::linearizable {

base::Result<Prepared> prepare_mutex(const std::vector<KeyOp>& ops, const ModelOptions& options) {
  auto transitions = std::make_unique<InternedTransitions<MutexModel>>(MutexModel{});
  Prepared prepared;
  for (size_t i = 0; i < ops.size(); ++i) {
    const KeyOp& op = ops[i];
    MutexModel::Op m;
    if (op.f == "acquire") {
      m = MutexModel::Op::Acquire;
    } else if (op.f == "release") {
      m = MutexModel::Op::Release;
    } else {
      return op_error(options, op,
                      "the mutex model has no operation \"" + op.f +
                          "\" (expected acquire, release)");
    }
    prepared.ops.push_back(SearchOp{op.call_pos, op.ret_pos, transitions->add_class(m),
                                    static_cast<int32_t>(i)});
  }
  prepared.transitions = std::move(transitions);
  return prepared;
}

}  // namespace faultline::checkers::linearizable
