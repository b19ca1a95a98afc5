// libFuzzer target for the Jepsen EDN reader (history/reader.h), run by scripts/fuzz.sh.
//
// Besides "no crash, no sanitizer report", every op read_edn delivers must be one the
// rest of faultline can carry: to_json -> op_from_json accepts it (so JSONL written from
// an EDN history reads back), and write_edn_op -> read_edn gives back an op with the
// same index, time, process, type, f and node. (Values are not compared: the EDN writer
// folds a key into the value as Jepsen's independent tuple.)

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "history/op.h"
#include "history/reader.h"
#include "history/writer.h"

namespace {

using faultline::history::Op;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "edn_fuzz: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

void check_op(const Op& op) {
  const auto json = faultline::history::to_json(op);
  // Strings from EDN may hold any bytes; to_text (as the JSONL writer) replaces them.
  (void)faultline::history::to_text(json);
  auto back = faultline::history::op_from_json(json);
  if (!back.ok()) {
    fail("read_edn delivered an op that op_from_json rejects: " + back.error().message);
  }

  std::ostringstream edn;
  faultline::history::write_edn_op(edn, op);
  std::istringstream in(edn.str());
  std::vector<Op> again;
  auto summary = faultline::history::read_edn(in, "rewritten.edn",
                                              [&](Op&& o) { again.push_back(std::move(o)); });
  if (!summary.ok()) fail("read_edn rejects write_edn_op output " + edn.str() + ": " +
                          summary.error().message);
  if (again.size() != 1) fail("write_edn_op output " + edn.str() + " read back as " +
                              std::to_string(again.size()) + " ops");
  const Op& b = again[0];
  // A negative index or time means "none" and is not written.
  auto none_if_negative = [](int64_t v) { return v < 0 ? int64_t{-1} : v; };
  if (b.index != none_if_negative(op.index) || b.time != none_if_negative(op.time) ||
      !(b.process == op.process) || b.type != op.type || b.f != op.f || b.node != op.node) {
    fail("write_edn_op -> read_edn changed the op: " + edn.str());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  int64_t delivered = 0;
  auto summary = faultline::history::read_edn(in, "fuzz.edn", [&](Op&& op) {
    ++delivered;
    check_op(op);
  });
  if (summary.ok() && summary->ops != delivered) fail("summary.ops != ops delivered");
  return 0;
}
