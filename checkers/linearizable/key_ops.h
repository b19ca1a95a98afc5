#pragma once
// KeyOp: one operation on one key as the models see it — an invoke joined with its
// completion (history_builder.h makes them). Prepared: what a model turns a key's ops
// into for the search. Each model (models/*.h) has a prepare function
//   base::Result<Prepared> prepare_X(const std::vector<KeyOp>&, const ModelOptions&)
// whose errors name the history line of the op they are about.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "checkers/linearizable/transitions.h"
#include "checkers/linearizable/wgl.h"
#include "history/op.h"

namespace faultline::checkers::linearizable {

// What an ok read of nil means. Knossos' registers: the value is unknown (the read
// constrains nothing). etcd-style stores: the key is absent (the state is nil).
enum class NilRead { Unknown, Absent };

struct ModelOptions {
  history::Value initial;  // the model's initial value (null by default)
  NilRead nil_read = NilRead::Unknown;
  std::string source_name;  // file name, for error messages
  bool concrete_append = false;  // benchmarks only: append keys without the abstraction
};

struct KeyOp {
  int64_t call_pos = 0;
  int64_t ret_pos = kNever;  // kNever: ended in info, or never completed
  std::string f;
  history::Value value;  // the completion's value if it had one, else the invoke's
  int64_t process = 0;
  int64_t index = -1;  // the history's :index of the invoke, if it had one
  int64_t line = 0;    // source line of the invoke
  int64_t completion_line = 0;  // source line of the ok/info; 0: never completed
  bool indeterminate() const { return ret_pos == kNever; }
};

struct Prepared {
  std::vector<SearchOp> ops;
  std::unique_ptr<Transitions> transitions;
};

// "NAME:LINE: message", the form of every error about an op.
inline base::Error op_error(const ModelOptions& options, const KeyOp& op, const std::string& message) {
  return base::Error{options.source_name + ":" + std::to_string(op.line) + ": " + message};
}

}  // namespace faultline::checkers::linearizable
