// libFuzzer target for the JSONL reader (history/reader.h), run by scripts/fuzz.sh.
//
// Besides "no crash, no sanitizer report", it checks read_jsonl against a reference
// built from nlohmann::json::parse + op_from_json line by line: read_jsonl parses most
// lines with its own fast parser (history/jsonl_reader.cpp), and that parser must
// accept, reject and convert exactly as the reference does. Then every op must survive
// to_json -> dump -> parse -> op_from_json -> to_json unchanged.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "history/op.h"
#include "history/reader.h"

namespace {

using faultline::history::Op;
using faultline::history::Value;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "jsonl_fuzz: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

bool is_blank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\f' && c != '\v') return false;
  }
  return true;
}

// Same value and the same JSON types all the way down (operator== says 4 == 4u).
bool identical(const Value& a, const Value& b) {
  if (a.type() != b.type() || a != b) return false;
  if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i) {
      if (!identical(a[i], b[i])) return false;
    }
  } else if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!identical(it.value(), b.at(it.key()))) return false;
    }
  }
  return true;
}

bool identical(const Op& a, const Op& b) {
  return a.index == b.index && a.time == b.time && a.process == b.process && a.type == b.type &&
         a.f == b.f && a.node == b.node && a.key.has_value() == b.key.has_value() &&
         (!a.key || identical(*a.key, *b.key)) && identical(a.value, b.value) &&
         identical(a.error, b.error);
}

struct Expected {
  std::vector<Op> ops;
  int64_t error_line = 0;    // 0: no error
  int64_t warning_line = 0;  // 0: no truncated-line warning
};

// DESIGN.md's JSONL rules, spelled out the slow and obvious way.
Expected reference(std::string_view text) {
  Expected e;
  int64_t line_number = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const bool terminated = nl != std::string_view::npos;
    const std::string_view line = terminated ? text.substr(0, nl) : text;
    text.remove_prefix(terminated ? nl + 1 : text.size());
    ++line_number;
    if (is_blank(line)) continue;
    Value json;
    try {
      json = Value::parse(line.begin(), line.end());
    } catch (const nlohmann::json::exception&) {
      if (terminated) {
        e.error_line = line_number;
      } else {
        e.warning_line = line_number;
      }
      return e;
    }
    auto op = faultline::history::op_from_json(json);
    if (!op.ok()) {
      e.error_line = line_number;
      return e;
    }
    op->line = line_number;
    e.ops.push_back(std::move(op).value());
  }
  return e;
}

void check_round_trip(const Op& op) {
  const Value json = faultline::history::to_json(op);
  auto back = faultline::history::op_from_json(Value::parse(json.dump()));
  if (!back.ok()) fail("op_from_json rejects to_json output: " + back.error().message);
  // Compared as JSON text: to_json drops a negative index or time (it means "none"),
  // which op_from_json accepts, so the Op fields need not come back; and -0 parses as a
  // signed integer but comes back unsigned, so the Value types need not either.
  if (faultline::history::to_json(*back).dump() != json.dump()) {
    fail("to_json round trip changed " + json.dump());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::istringstream in(text);
  std::vector<Op> ops;
  auto summary = faultline::history::read_jsonl(
      in, "fuzz.jsonl", [&](Op&& op) { ops.push_back(std::move(op)); });

  const Expected expected = reference(text);
  if (summary.ok() != (expected.error_line == 0)) {
    fail("read_jsonl says " + (summary.ok() ? std::string("ok") : summary.error().message) +
         ", the reference says error at line " + std::to_string(expected.error_line));
  }
  if (!summary.ok()) {
    const std::string prefix = "fuzz.jsonl:" + std::to_string(expected.error_line) + ": ";
    if (summary.error().message.rfind(prefix, 0) != 0) {
      fail("error " + summary.error().message + " is not at line " +
           std::to_string(expected.error_line));
    }
  } else {
    if (summary->ops != static_cast<int64_t>(ops.size())) fail("summary.ops != ops delivered");
    if (summary->warnings.size() != (expected.warning_line == 0 ? 0u : 1u)) {
      fail("warnings differ from the reference");
    }
  }
  if (ops.size() != expected.ops.size()) {
    fail(std::to_string(ops.size()) + " ops delivered, reference has " +
         std::to_string(expected.ops.size()));
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].line != expected.ops[i].line || !identical(ops[i], expected.ops[i])) {
      fail("op " + std::to_string(i) + " differs: got " +
           faultline::history::to_json(ops[i]).dump() + " at line " +
           std::to_string(ops[i].line) + ", reference " +
           faultline::history::to_json(expected.ops[i]).dump());
    }
    check_round_trip(ops[i]);
  }
  return 0;
}
