#pragma once
// Op: one event of a history (DESIGN.md, "The history"). An operation is an `invoke`
// followed by exactly one completion of the same process: `ok` (it happened), `fail`
// (it certainly did not happen) or `info` (unknown: it may take effect at any time
// after its invoke, or never). Nemesis events are `info` ops of the named process
// "nemesis". Values are JSON values; Jepsen EDN is converted to them at the edge
// (history/edn.h). Plain data: copy and move freely.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace faultline::history {

// Every value in a history. Object keys are kept sorted, so output is deterministic.
using Value = nlohmann::json;

enum class OpType : uint8_t { Invoke, Ok, Fail, Info };

std::string_view to_string(OpType type);
std::optional<OpType> op_type_from_string(std::string_view s);

// A client process is a non-negative integer; other actors (the nemesis) have names.
struct Process {
  int64_t id = -1;    // valid when name is empty
  std::string name;   // e.g. "nemesis"

  static Process client(int64_t id) { return Process{id, {}}; }
  static Process named(std::string name) { return Process{-1, std::move(name)}; }
  bool is_client() const { return name.empty(); }
  bool operator==(const Process&) const = default;
};

std::string to_string(const Process& p);

struct Op {
  int64_t index = -1;          // position in the history; -1 when the source had none
  int64_t time = -1;           // ns since the run began (controller monotonic); -1: none
  Process process;
  OpType type = OpType::Invoke;
  std::string f;               // the operation: "read", "write", "cas", "append", ...
  std::string node;            // node the client talked to; empty when unknown
  std::optional<Value> key;    // for multi-key workloads (Jepsen `independent`)
  Value value;                 // null when absent
  Value error;                 // null when absent
  int64_t line = 0;            // 1-based source line of the op, for error messages
};

// JSON object of one op, as one line of history.jsonl (DESIGN.md): fields that are
// absent (-1, empty, null) are omitted, except "value" which is always written.
Value to_json(const Op& op);

// Reads one op from a JSON object. The error says which field is missing or wrong;
// the caller prefixes the file and line.
base::Result<Op> op_from_json(const Value& json);

// Compact JSON text of a value. Invalid UTF-8 (EDN passes bytes through) becomes
// U+FFFD instead of throwing.
std::string to_text(const Value& v);

// Short human form, e.g. `3 ok cas [1,4]` or `3 ok cas k7 [1,4]`.
std::string describe(const Op& op);

}  // namespace faultline::history
