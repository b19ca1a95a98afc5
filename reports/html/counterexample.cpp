// The linearizability counterexample, drawn: the failing key's ops around the op that
// cannot be linearized, one lane per process on the history's time axis (static SVG, so
// it shows without script too), and the same ops as a table with the model's state
// after each op of the longest linearizable prefix.

#include <algorithm>
#include <map>
#include <set>

#include "reports/html/page.h"

namespace faultline::reports::html::page {

using history::Op;
using history::Value;

namespace {

constexpr size_t kDiagramPrefixOps = 8;   // of the prefix's tail, the last ones drawn
constexpr size_t kMaxConcurrent = 40;
constexpr size_t kMaxOthers = 24;         // other ops of the key inside the window
constexpr size_t kMaxProblemsShown = 20;

enum class Role { Prefix, Concurrent, Failed, Other };

const char* role_class(Role r) {
  switch (r) {
    case Role::Prefix: return "prefix";
    case Role::Concurrent: return "concurrent";
    case Role::Failed: return "failed";
    case Role::Other: return "other";
  }
  return "other";
}

const char* role_text(Role r) {
  switch (r) {
    case Role::Prefix: return "linearized (prefix)";
    case Role::Concurrent: return "concurrent, not yet placed";
    case Role::Failed: return "cannot be linearized";
    case Role::Other: return "other op on the key";
  }
  return "";
}

struct Shown {
  int64_t id = -1;       // invoke id
  int32_t row = -1;      // operation, or -1 when the history does not have it
  Role role = Role::Other;
  std::string state;     // prefix: the model state after it
  int64_t order = 0;     // prefix: its place in the linearization (1-based)
  Value ref;             // the counterexample's op JSON (when from it)
};

int64_t id_of(const Value& op_json) {
  const Value* index = member(op_json, "index");
  return index && index->is_number_integer() ? index->get<int64_t>() : -1;
}

int32_t row_of(const RunSummary& s, int64_t id) {
  if (id < 0 || static_cast<size_t>(id) >= s.operation_of_index.size()) return -1;
  return s.operation_of_index[static_cast<size_t>(id)];
}

struct OpView {
  std::string process, f, value, outcome;
  int64_t start_ns = -1, end_ns = -1;
};

OpView view_of(const Context& c, const Shown& x) {
  OpView v;
  if (x.row >= 0) {
    const Operation& o = c.summary.operations[static_cast<size_t>(x.row)];
    const Op& inv = c.history[o.invoke];
    const Op* done = o.completion >= 0 ? &c.history[static_cast<size_t>(o.completion)] : nullptr;
    v.process = history::to_string(inv.process);
    v.f = inv.f;
    v.value = history::to_text(done && !done->value.is_null() ? done->value : inv.value);
    v.outcome = to_string(o.outcome);
    v.start_ns = o.start_ns;
    v.end_ns = o.end_ns;
  } else {
    if (const Value* p = member(x.ref, "process")) v.process = text_of(*p);
    if (const Value* f = member(x.ref, "f")) v.f = text_of(*f);
    if (const Value* val = member(x.ref, "value")) v.value = history::to_text(*val);
    if (const Value* t = member(x.ref, "type")) v.outcome = text_of(*t);
  }
  return v;
}

std::string short_text(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "…";
}

void append_diagram(std::string& out, const Context& c, const std::vector<Shown>& shown) {
  std::vector<std::pair<const Shown*, OpView>> drawn;
  int64_t t0 = INT64_MAX, t1 = INT64_MIN;
  for (const Shown& x : shown) {
    OpView v = view_of(c, x);
    if (v.start_ns < 0) continue;
    t0 = std::min(t0, v.start_ns);
    t1 = std::max(t1, std::max(v.start_ns, v.end_ns));
    drawn.emplace_back(&x, std::move(v));
  }
  if (drawn.empty()) {
    out += "<p class=\"note\">The history has no times for these ops: no diagram.</p>";
    return;
  }
  std::map<std::string, int> lanes;  // process -> lane, numeric processes in order
  std::vector<std::pair<int64_t, std::string>> procs;
  for (const auto& [x, v] : drawn) {
    int64_t n = 0;
    const bool numeric = !v.process.empty() &&
                         v.process.find_first_not_of("0123456789") == std::string::npos;
    if (numeric) n = std::stoll(v.process);
    procs.emplace_back(numeric ? n : INT64_MAX, v.process);
  }
  std::sort(procs.begin(), procs.end());
  for (const auto& p : procs) lanes.emplace(p.second, static_cast<int>(lanes.size()));

  // x is the event order, not the time: a 50 µs read next to a 300 ms write stays
  // visible, and which ops overlap is exactly what the search saw. Times are in the table.
  std::vector<int64_t> events;
  for (const auto& [x, v] : drawn) {
    events.push_back(v.start_ns);
    if (v.end_ns >= 0) events.push_back(v.end_ns);
  }
  std::sort(events.begin(), events.end());
  events.erase(std::unique(events.begin(), events.end()), events.end());
  const double width = 960, gutter = 56, right = 12, lane_h = 42, top = 8;
  const double slot = (width - gutter - right) / static_cast<double>(events.size() + 1);
  auto x_of = [&](int64_t t) {
    const auto rank = std::lower_bound(events.begin(), events.end(), t) - events.begin();
    return gutter + slot * (static_cast<double>(rank) + 0.5);
  };
  const double height = top + lane_h * static_cast<double>(lanes.size()) + 22;
  out += "<div class=\"scroll\"><svg class=\"ce\" viewBox=\"0 0 " + fixed(width, 0) + " " + fixed(height, 0) +
         "\" role=\"img\" aria-label=\"counterexample: ops per process\">";
  for (const auto& [proc, lane] : lanes) {
    const double y = top + lane_h * lane;
    out += "<line x1=\"" + fixed(gutter, 0) + "\" x2=\"" + fixed(width - right, 0) + "\" y1=\"" +
           fixed(y + lane_h - 2, 1) + "\" y2=\"" + fixed(y + lane_h - 2, 1) +
           "\" stroke=\"#eceef1\"/><text class=\"lane\" x=\"4\" y=\"" + fixed(y + 16, 1) + "\">p" +
           escape_html(short_text(proc, 8)) + "</text>";
  }
  for (const auto& [x, v] : drawn) {
    const double y = top + lane_h * lanes[v.process];
    const bool open = v.end_ns < 0;
    const double a = x_of(v.start_ns), b = open ? width - right : std::max(x_of(v.end_ns), a + 3);
    const std::string label = short_text(v.f + " " + v.value, 40);
    const std::string title = "#" + std::to_string(x->id) + " process " + v.process + " " +
                              v.outcome + " " + v.f + " " + v.value + " — " + role_text(x->role) +
                              (x->role == Role::Prefix ? ", state after: " + x->state : "");
    out += "<a href=\"#op-" + std::to_string(x->id) + "\"><rect class=\"" +
           std::string(role_class(x->role)) + (open ? " open" : "") + "\" x=\"" + fixed(a, 1) +
           "\" y=\"" + fixed(y + 4, 1) + "\" width=\"" + fixed(b - a, 1) +
           "\" height=\"18\" rx=\"3\"><title>" + escape_html(title) + "</title></rect><text x=\"" +
           fixed(a + 3, 1) + "\" y=\"" + fixed(y + 17, 1) + "\">" + escape_html(label) + "</text>";
    if (x->role == Role::Prefix)
      out += "<text class=\"state\" x=\"" + fixed(a + 3, 1) + "\" y=\"" + fixed(y + 34, 1) + "\">" +
             std::to_string(x->order) + ". → " + escape_html(short_text(x->state, 30)) + "</text>";
    out += "</a>";
  }
  out += "<text class=\"lane\" x=\"" + fixed(gutter, 0) + "\" y=\"" + fixed(height - 6, 0) + "\">" +
         seconds(t0) + " s</text><text class=\"lane\" text-anchor=\"end\" x=\"" +
         fixed(width - right, 0) + "\" y=\"" + fixed(height - 6, 0) + "\">" + seconds(t1) +
         " s</text></svg></div>";
  out += "<div class=\"legend\"><span>left to right: the order of invokes and completions"
         "</span><span><i style=\"background:#cfe3f7\"></i>linearized prefix (order. → state "
         "after)</span><span><i style=\"background:#f9c9c6\"></i>cannot be linearized</span><span><i "
         "style=\"background:#fff3d6\"></i>concurrent</span><span><i style=\"background:#eceef1\">"
         "</i>other ops on the key</span></div>";
}

void append_table(std::string& out, const Context& c, const std::vector<const Shown*>& rows) {
  out += "<div class=\"scroll\"><table><tr><th>role</th><th class=\"num\">order</th><th>op</th>"
         "<th>process</th><th>f</th><th>value</th><th>outcome</th><th class=\"num\">invoked "
         "(s)</th><th class=\"num\">latency (ms)</th><th>state after</th></tr>";
  for (const Shown* x : rows) {
    const OpView v = view_of(c, *x);
    out += "<tr class=\"role-" + std::string(role_class(x->role)) + "\"><td>" + role_text(x->role) +
           "</td><td class=\"num\">" + (x->order > 0 ? std::to_string(x->order) : "") + "</td><td>" +
           op_link(x->id) + "</td><td>" + escape_html(v.process) + "</td><td>" + escape_html(v.f) +
           "</td><td class=\"val mono\">" + escape_html(short_text(v.value, 300)) + "</td><td>" +
           escape_html(v.outcome) + "</td><td class=\"num\">" +
           (v.start_ns >= 0 ? seconds(v.start_ns) : "") + "</td><td class=\"num\">" +
           (v.start_ns >= 0 && v.end_ns >= 0 ? fixed(static_cast<double>(v.end_ns - v.start_ns) / 1e6, 3)
                                            : "") +
           "</td><td class=\"mono\">" + escape_html(x->state) + "</td></tr>";
  }
  out += "</table></div>";
}

void append_problem(std::string& out, const Context& c, const Value& problem, size_t n,
                    std::vector<int64_t>& marks) {
  const Value* key = member(problem, "key");
  const std::string key_name = key && !key->is_null() ? "Key " + text_of(*key) : "The history";
  const Value* verdict = member(problem, "verdict");
  const std::string v = verdict ? text_of(*verdict) : "unknown";
  out += "<div class=\"problem\" id=\"ce-" + std::to_string(n) + "\"><h3>" + escape_html(key_name) +
         ": <span class=\"badge v-" + (v == "invalid" ? "invalid" : "unknown") + "\">" +
         escape_html(v) + "</span></h3>";
  const Value* ce = member(problem, "counterexample");
  if (!ce || !ce->is_object()) {
    const Value* reason = member(problem, "reason");
    out += "<p>No counterexample" +
           (reason ? ": " + escape_html(text_of(*reason)) : std::string()) + ".</p></div>";
    return;
  }
  std::vector<Shown> shown;
  std::set<int64_t> seen;
  const Value* tail = member(*ce, "prefix_tail");
  const Value* length = member(*ce, "prefix_length");
  const int64_t prefix_length = length && length->is_number_integer() ? length->get<int64_t>() : 0;
  std::vector<Shown> prefix;
  if (tail && tail->is_array()) {
    const int64_t first_order = prefix_length - static_cast<int64_t>(tail->size()) + 1;
    for (size_t i = 0; i < tail->size(); ++i) {
      const Value& step = (*tail)[i];
      Shown x;
      if (const Value* op = member(step, "op")) x.ref = *op;
      x.id = id_of(x.ref);
      x.row = row_of(c.summary, x.id);
      x.role = Role::Prefix;
      x.order = first_order + static_cast<int64_t>(i);
      if (const Value* s = member(step, "state_after")) x.state = text_of(*s);
      prefix.push_back(std::move(x));
    }
  }
  Shown failed;
  if (const Value* f = member(*ce, "failed_op")) failed.ref = *f;
  failed.id = id_of(failed.ref);
  failed.row = row_of(c.summary, failed.id);
  failed.role = Role::Failed;
  marks.push_back(failed.id);

  // The diagram: the prefix's last ops, the failed op, the concurrent ops, and other ops
  // of the key inside that span (fails, for instance, which the search ignores).
  for (size_t i = prefix.size() > kDiagramPrefixOps ? prefix.size() - kDiagramPrefixOps : 0;
       i < prefix.size(); ++i) {
    shown.push_back(prefix[i]);
    seen.insert(prefix[i].id);
  }
  shown.push_back(failed);
  seen.insert(failed.id);
  if (const Value* conc = member(*ce, "concurrent_ops"); conc && conc->is_array()) {
    for (size_t i = 0; i < conc->size() && i < kMaxConcurrent; ++i) {
      Shown x;
      x.ref = (*conc)[i];
      x.id = id_of(x.ref);
      x.row = row_of(c.summary, x.id);
      x.role = Role::Concurrent;
      if (seen.insert(x.id).second) shown.push_back(std::move(x));
    }
  }
  int64_t t0 = INT64_MAX, t1 = INT64_MIN;
  for (const Shown& x : shown) {
    if (x.row < 0) continue;
    const Operation& o = c.summary.operations[static_cast<size_t>(x.row)];
    if (o.start_ns < 0) continue;
    t0 = std::min(t0, o.start_ns);
    t1 = std::max(t1, std::max(o.start_ns, o.end_ns));
  }
  size_t others = 0;
  if (t0 <= t1 && key) {
    for (size_t r = 0; r < c.summary.operations.size() && others < kMaxOthers; ++r) {
      const Operation& o = c.summary.operations[r];
      if (o.start_ns < 0 || o.start_ns > t1 || (o.end_ns >= 0 && o.end_ns < t0)) continue;
      const Op& inv = c.history[o.invoke];
      const bool same_key = key->is_null() ? !inv.key.has_value() : inv.key && *inv.key == *key;
      if (!same_key) continue;
      const int64_t id = op_id(inv, o.invoke);
      if (!seen.insert(id).second) continue;
      Shown x;
      x.id = id;
      x.row = static_cast<int32_t>(r);
      x.role = Role::Other;
      shown.push_back(std::move(x));
      ++others;
    }
  }

  const Value* before = member(*ce, "state_before_failed_op");
  const OpView fv = view_of(c, failed);
  out += "<p>This op cannot be linearized: " + op_link(failed.id) + " process " +
         escape_html(fv.process) + " " + escape_html(fv.outcome) + " " + escape_html(fv.f) +
         " <code>" + escape_html(short_text(fv.value, 200)) + "</code>. The longest linearizable "
         "prefix has " + std::to_string(prefix_length) + " ops and ends in state <code>" +
         escape_html(before ? text_of(*before) : "?") + "</code>.</p>";
  append_diagram(out, c, shown);
  std::vector<const Shown*> rows;
  for (const Shown& x : shown) rows.push_back(&x);
  std::stable_sort(rows.begin(), rows.end(), [&](const Shown* a, const Shown* b) {
    auto start = [&](const Shown* x) {
      return x->row >= 0 ? c.summary.operations[static_cast<size_t>(x->row)].start_ns : INT64_MAX;
    };
    return start(a) < start(b);
  });
  append_table(out, c, rows);
  if (prefix.size() > kDiagramPrefixOps) {
    out += "<details><summary>The prefix's last " + std::to_string(prefix.size()) +
           " ops, in linearization order</summary>";
    std::vector<const Shown*> all;
    for (const Shown& x : prefix) all.push_back(&x);
    append_table(out, c, all);
    out += "</details>";
  }
  out += "</div>";
}

}  // namespace

void append_counterexamples(std::string& out, const Context& c, std::vector<int64_t>& marks) {
  const Value* lin = member(c.input.results, "linearizable");
  if (!lin) return;
  out += "<section id=\"counterexample\"><h2>Linearizability</h2>";
  const Value* problems = member(*lin, "problems");
  if (!problems || !problems->is_array() || problems->empty()) {
    out += "<p>Every key is linearizable: no counterexample.</p></section>";
    return;
  }
  out += "<p class=\"note\">Each key that is not linearizable (or that the checker could not "
         "decide). Bars link into the timeline.</p>";
  for (size_t i = 0; i < problems->size(); ++i) {
    if (i == kMaxProblemsShown) {
      out += "<p class=\"note\">" + std::to_string(problems->size() - i) +
             " more keys with problems are in results.json.</p>";
      break;
    }
    append_problem(out, c, (*problems)[i], i, marks);
  }
  out += "</section>";
}

}  // namespace faultline::reports::html::page
