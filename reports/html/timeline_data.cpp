// The timeline's data: one array per op, string tables for f, key, node and error, so
// a 1,000,000-op history stays tens of MB and parses in a second in the browser. Written
// by hand (no intermediate JSON tree) for speed.

#include <charconv>
#include <map>
#include <unordered_map>

#include "reports/html/page.h"

namespace faultline::reports::html::page {

using history::Op;
using history::Value;

namespace {

constexpr size_t kMaxValueChars = 160;   // longer values are cut (set reads grow large)
constexpr size_t kMaxNemesisChars = 400;

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, end);
}

// JSON text that is safe inside <script>: '<', '>' and '&' only occur inside JSON
// strings, where \u escapes mean the same.
void append_safe(std::string& out, std::string_view json) {
  for (char ch : json) {
    switch (ch) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out += ch;
    }
  }
}

void append_string(std::string& out, std::string_view s) {
  append_safe(out, history::to_text(Value(std::string(s))));
}

// Cut at most `max` bytes of UTF-8 without splitting a character.
std::string_view cut(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

class Table {
 public:
  int32_t id(const std::string& s) {
    auto [it, added] = ids_.emplace(s, static_cast<int32_t>(names_.size()));
    if (added) names_.push_back(s);
    return it->second;
  }
  void append(std::string& out) const {
    out += '[';
    for (size_t i = 0; i < names_.size(); ++i) {
      if (i) out += ',';
      append_string(out, names_[i]);
    }
    out += ']';
  }

 private:
  std::unordered_map<std::string, int32_t> ids_;  // lookups only; output order is names_
  std::vector<std::string> names_;
};

int64_t us(int64_t ns) { return ns < 0 ? -1 : ns / 1000; }

}  // namespace

void append_timeline_data(std::string& out, const Context& c, const std::vector<int64_t>& marks) {
  const RunSummary& s = c.summary;
  const auto& h = c.history;
  Table fs, keys, nodes, errs;
  out += "<script type=\"application/json\" id=\"fl-data\">{\"v\":1,\"end\":";
  append_int(out, us(s.end_ns));
  out += ",\"lanes\":[";
  for (size_t i = 0; i < s.lanes.size(); ++i) {
    if (i) out += ',';
    append_string(out, s.lanes[i]);
  }
  out += "],\"ops\":[";
  std::string value_text;
  for (size_t i = 0; i < s.operations.size(); ++i) {
    const Operation& o = s.operations[i];
    const Op& inv = h[o.invoke];
    const Op* done = o.completion >= 0 ? &h[static_cast<size_t>(o.completion)] : nullptr;
    if (i) out += ',';
    out += '[';
    append_int(out, o.lane);
    out += ',';
    append_int(out, us(o.start_ns));
    out += ',';
    append_int(out, us(o.end_ns));
    out += ',';
    append_int(out, static_cast<int>(o.outcome));
    out += ',';
    append_int(out, fs.id(inv.f));
    out += ',';
    append_int(out, inv.key ? keys.id(text_of(*inv.key)) : -1);
    out += ',';
    const std::string& node = !inv.node.empty() || !done ? inv.node : done->node;
    append_int(out, node.empty() ? -1 : nodes.id(node));
    out += ',';
    append_int(out, op_id(inv, o.invoke));
    out += ',';
    append_int(out, done ? op_id(*done, static_cast<size_t>(o.completion)) : -1);
    out += ',';
    // A read's value arrives with its ok; a write's is on both.
    const Value& v = done && !done->value.is_null() ? done->value : inv.value;
    value_text = history::to_text(v);
    const bool truncated = value_text.size() > kMaxValueChars;
    if (truncated) {
      append_string(out, cut(value_text, kMaxValueChars));
    } else {
      append_safe(out, value_text);
    }
    out += ',';
    append_int(out, done && !done->error.is_null() ? errs.id(text_of(done->error)) : -1);
    if (truncated) out += ",1";
    out += ']';
  }
  out += "],\"fs\":";
  fs.append(out);
  out += ",\"keys\":";
  keys.append(out);
  out += ",\"nodes\":";
  nodes.append(out);
  out += ",\"errs\":";
  errs.append(out);

  Table faults;
  for (const auto& w : s.windows) faults.id(w.fault);
  out += ",\"faults\":";
  faults.append(out);
  out += ",\"windows\":[";
  for (size_t i = 0; i < s.windows.size(); ++i) {
    const auto& w = s.windows[i];
    if (i) out += ',';
    out += '[';
    append_int(out, faults.id(w.fault));
    out += ',';
    append_int(out, us(w.start_ns));
    out += ',';
    append_int(out, us(w.stop_ns));
    out += ']';
  }
  out += "],\"nem\":[";
  bool first = true;
  for (size_t i = 0; i < h.size(); ++i) {
    const Op& op = h[i];
    if (op.process.is_client()) continue;
    if (!first) out += ',';
    first = false;
    out += '[';
    append_int(out, op_id(op, i));
    out += ',';
    append_int(out, std::max<int64_t>(0, us(op.time)));
    out += ',';
    append_string(out, history::to_string(op.process) + " " + op.f);
    out += ',';
    value_text = history::to_text(op.value);
    if (!op.error.is_null()) value_text += " error " + text_of(op.error);
    append_string(out, cut(value_text, kMaxNemesisChars));
    out += ']';
  }
  out += "],\"marks\":[";
  first = true;
  for (int64_t id : marks) {
    if (id < 0 || static_cast<size_t>(id) >= s.operation_of_index.size()) continue;
    const int32_t row = s.operation_of_index[static_cast<size_t>(id)];
    if (row < 0) continue;
    if (!first) out += ',';
    first = false;
    append_int(out, row);
  }
  out += "]}</script>\n";
}

}  // namespace faultline::reports::html::page
