// Jepsen EDN export (history/writer.h). The output is what Jepsen's `prn` of an op map
// looks like, so Knossos and Jepsen's checkers read it, and read_edn() reads it back to
// the same ops (a key comes back inside the value, as the independent tuple it is).

#include <string>

#include "history/edn_value.h"
#include "history/writer.h"

namespace faultline::history {

namespace {

// A name as a keyword when it can be one, else as a string (read_edn takes both).
void append_name(std::string& out, std::string_view name) {
  if (is_edn_keyword_name(name)) {
    out += ':';
    out += name;
  } else {
    append_edn_string(out, name);
  }
}

void append_op(std::string& out, const Op& op) {
  out += '{';
  if (op.index >= 0) {
    out += ":index ";
    out += std::to_string(op.index);
    out += ", ";
  }
  if (op.time >= 0) {
    out += ":time ";
    out += std::to_string(op.time);
    out += ", ";
  }
  out += ":process ";
  if (op.process.is_client()) {
    out += std::to_string(op.process.id);
  } else {
    append_name(out, op.process.name);
  }
  if (!op.node.empty()) {
    out += ", :node ";
    append_edn_string(out, op.node);
  }
  out += ", :type :";
  out += to_string(op.type);
  out += ", :f ";
  append_name(out, op.f);
  out += ", :value ";
  if (op.key) {
    // Jepsen independent tuple: [key value].
    out += '[';
    append_edn(out, *op.key);
    out += ' ';
    append_edn(out, op.value);
    out += ']';
  } else {
    append_edn(out, op.value);
  }
  if (!op.error.is_null()) {
    out += ", :error ";
    append_edn(out, op.error);
  }
  out += '}';
}

}  // namespace

void write_edn_op(std::ostream& out, const Op& op) {
  std::string s;
  append_op(s, op);
  out.write(s.data(), static_cast<std::streamsize>(s.size()));
}

void write_edn(std::ostream& out, const std::vector<Op>& ops) {
  // Knossos layout: `[{op}` then ` {op}` per line, so op i is on line i + 1.
  std::string s;
  s += '[';
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (i > 0) s += "\n ";
    append_op(s, ops[i]);
    if (s.size() >= (1u << 16)) {
      out.write(s.data(), static_cast<std::streamsize>(s.size()));
      s.clear();
    }
  }
  s += "]\n";
  out.write(s.data(), static_cast<std::streamsize>(s.size()));
}

}  // namespace faultline::history
