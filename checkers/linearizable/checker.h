#pragma once
// The linearizability checker: `faultline check`'s engine, a pure function of the
// history. Ops are streamed in (add), joined into operations per key, and checked key
// by key (P-compositionality: a history is linearizable iff each key's is) on all
// cores. Keys are scheduled round-robin in slices of search steps, so one hard key
// cannot hide an easy violation on another; the time and memory limits end unfinished
// keys as unknown, never with a guess.
//
// Jepsen's semantics: `fail` ops did not happen; `info` ops and invokes that never
// complete may take effect once at any time after their invoke, or never; a process
// whose op ended in `info` issues nothing more under that id. Ops of named processes
// (the nemesis) are not client ops and are skipped.
// One LinearizabilityChecker is used by one thread; check() uses worker threads inside.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "checkers/linearizable/key_ops.h"
#include "checkers/verdict.h"
#include "history/op.h"
#include "history/reader.h"

namespace faultline::checkers::linearizable {

enum class ModelKind { Register, CasRegister, Kv, MultiRegister, Mutex };

std::optional<ModelKind> model_from_string(std::string_view name);
std::string_view to_string(ModelKind kind);

struct CheckOptions {
  // nullopt: decided by the first client op — a "key" field: kv; f txn:
  // multi-register; acquire/release: mutex; anything else: cas-register.
  std::optional<ModelKind> model;
  history::Value initial;  // null unless set
  NilRead nil_read = NilRead::Unknown;
  double time_limit_s = 0;                      // 0: none
  int64_t memory_limit_bytes = int64_t{1} << 30;
  int threads = 0;                              // 0: every core
  int64_t slice_steps = 200'000;                // search steps per turn of a key
  Prunings prunings;                            // benchmarks only: all on otherwise
  bool concrete_append = false;                 // benchmarks only: see models/generic.h
};

// An op as shown in a report.
struct OpRef {
  int64_t index = -1;  // the history's index, or -1
  int64_t line = 0;             // the invoke's
  int64_t completion_line = 0;  // the ok's or info's; 0 if it never completed
  int64_t process = 0;
  std::string f;
  history::Value value;
  bool indeterminate = false;
};

struct Counterexample {
  history::Value key;                 // null for single-register histories
  OpRef failed;                       // the op that cannot be linearized
  std::string state_before_failed;    // the state the longest prefix ends in
  int64_t prefix_length = 0;          // ops in the longest linearizable prefix
  struct Step {
    OpRef op;
    std::string state_after;
  };
  std::vector<Step> prefix_tail;      // its last ops (at most kPrefixTail)
  std::vector<OpRef> concurrent;      // ops overlapping the failed op in time
  static constexpr size_t kPrefixTail = 200;
};

struct KeyResult {
  history::Value key;
  Verdict verdict = Verdict::Unknown;
  std::string reason;  // unknown: why
  int64_t ops = 0;
  int64_t steps = 0;
  int64_t configs = 0;
  std::optional<Counterexample> counterexample;
};

struct LinearizabilityResult {
  Verdict verdict = Verdict::Valid;
  ModelKind model = ModelKind::CasRegister;
  int64_t events = 0;           // history lines that were ops
  int64_t operations = 0;       // joined client operations given to the models
  int64_t keys = 0;
  int64_t valid_keys = 0;
  std::vector<KeyResult> problems;  // keys that are invalid or unknown, in key order
  double seconds = 0;
  int64_t search_steps = 0;    // over all keys
  int64_t search_configs = 0;  // memoised configurations over all keys
  int64_t peak_search_bytes = 0;
  std::vector<std::string> warnings;
};

class LinearizabilityChecker {
 public:
  // `source_name` names the history in error messages.
  LinearizabilityChecker(CheckOptions options, std::string source_name);
  LinearizabilityChecker(const LinearizabilityChecker&) = delete;
  LinearizabilityChecker& operator=(const LinearizabilityChecker&) = delete;

  // Adds the next op of the history. Errors (a process invoking twice, a completion
  // without an invoke, a completion that does not match its invoke) name the line.
  base::Status add(const history::Op& op);
  void add_warning(std::string w) { warnings_.push_back(std::move(w)); }
  // Checks everything added. Errors are bad input found by a model (an unknown f, a
  // malformed value), naming the line.
  base::Result<LinearizabilityResult> check();

 private:
  struct Pending {
    int32_t key = 0;
    KeyOp op;
  };
  int32_t key_index(const history::Value& key);
  ModelKind model() const { return *options_.model; }

  CheckOptions options_;
  ModelOptions model_options_;
  std::string source_name_;
  std::unordered_map<int64_t, Pending> pending_;  // by process
  std::unordered_map<std::string, int32_t> key_ids_;
  std::vector<history::Value> keys_;
  std::vector<std::vector<KeyOp>> key_ops_;
  std::vector<std::string> warnings_;
  int64_t position_ = 0;
  int64_t events_ = 0;
  int64_t stray_completions_ = 0;
};

// Reads a history file (streaming) and checks it.
base::Result<LinearizabilityResult> check_file(const std::filesystem::path& path,
                                               history::Format format,
                                               const CheckOptions& options);

// Human-readable verdict, counterexample and figures.
std::string describe(const LinearizabilityResult& result);
history::Value to_json(const LinearizabilityResult& result);

}  // namespace faultline::checkers::linearizable
