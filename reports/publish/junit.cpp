#include "reports/publish/junit.h"

#include <cstdio>
#include <sstream>

#include "reports/publish/escape.h"

namespace faultline::reports::publish {

namespace {

using history::Value;

// Longer texts are cut: a CI page shows the first anomalies, the run's report has all.
constexpr size_t kMaxProblems = 20;
constexpr size_t kMaxElements = 20;

std::string text(const Value& v) { return v.is_string() ? v.get<std::string>() : history::to_text(v); }

int64_t number(const Value& object, const char* name) {
  if (!object.is_object()) return 0;
  auto it = object.find(name);
  return it != object.end() && it->is_number() ? it->get<int64_t>() : 0;
}

std::string string_field(const Value& object, const char* name) {
  if (!object.is_object()) return {};
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "#23 process 6 ok read 0 (lines 24-36)"
std::string describe_op(const Value& op) {
  std::string s;
  if (op.contains("index")) s += "#" + text(op["index"]) + " ";
  s += "process " + text(op.value("process", Value(nullptr))) + " " + string_field(op, "type") + " " +
       string_field(op, "f") + " " + text(op.value("value", Value(nullptr)));
  if (number(op, "line") > 0) {
    s += " (line " + std::to_string(number(op, "line"));
    if (number(op, "completion_line") > 0) s += "-" + std::to_string(number(op, "completion_line"));
    s += ")";
  }
  return s;
}

std::string list_text(const Value& list) {
  if (!list.is_array()) return text(list);
  std::string s = "[";
  for (size_t i = 0; i < list.size() && i < kMaxElements; ++i) s += (i ? ", " : "") + text(list[i]);
  if (list.size() > kMaxElements) s += ", ... " + std::to_string(list.size() - kMaxElements) + " more";
  return s + "]";
}

void summarise_linearizable(const Value& r, JUnitCase* c) {
  const Value problems = r.value("problems", Value::array());
  std::ostringstream details;
  int64_t invalid = 0, unknown = 0;
  std::string first_invalid, first_unknown;
  size_t shown = 0;
  for (const Value& p : problems) {
    const std::string verdict = string_field(p, "verdict");
    const std::string key = text(p.value("key", Value(nullptr)));
    if (verdict == "invalid") {
      ++invalid;
      const Value ce = p.value("counterexample", Value(nullptr));
      std::string line = "key " + key + ": ";
      if (ce.is_object() && ce.contains("failed_op")) {
        line += "op " + describe_op(ce["failed_op"]) + " cannot be linearized after a prefix of " +
                std::to_string(number(ce, "prefix_length")) + " ops";
      } else {
        line += "not linearizable";
      }
      if (first_invalid.empty()) first_invalid = line;
      if (shown++ < kMaxProblems) {
        details << line << "\n";
        if (ce.is_object()) {
          details << "  state before it: " << text(ce.value("state_before_failed_op", Value(nullptr))) << "\n";
          for (const Value& step : ce.value("prefix_tail", Value::array()))
            details << "  prefix: " << describe_op(step.value("op", Value::object())) << " -> "
                    << text(step.value("state_after", Value(nullptr))) << "\n";
          for (const Value& op : ce.value("concurrent_ops", Value::array()))
            details << "  concurrent: " << describe_op(op) << "\n";
        }
      }
    } else if (verdict == "unknown") {
      ++unknown;
      const std::string line = "key " + key + ": unknown (" + string_field(p, "reason") + ") after " +
                               std::to_string(number(p, "steps")) + " search steps";
      if (first_unknown.empty()) first_unknown = line;
      if (shown++ < kMaxProblems) details << line << "\n";
    }
  }
  if (shown > kMaxProblems) details << "... " << (shown - kMaxProblems) << " more keys\n";
  const std::string of_keys = " of " + std::to_string(number(r, "keys")) + " keys";
  if (c->verdict == "invalid") {
    c->message = "not linearizable: " + (first_invalid.empty() ? std::string("no counterexample") : first_invalid) +
                 " (" + std::to_string(invalid) + of_keys + " invalid)";
  } else if (c->verdict == "unknown") {
    c->message = "undecided: " + (first_unknown.empty() ? std::string("the search gave up") : first_unknown) +
                 " (" + std::to_string(unknown) + of_keys + " unknown)";
  }
  c->details = details.str();
}

void summarise_set(const Value& r, JUnitCase* c) {
  std::string counts;
  for (const char* name : {"lost", "phantom", "failed_read", "stale_reads", "late"}) {
    if (number(r, name) == 0) continue;
    counts += (counts.empty() ? "" : ", ") + std::to_string(number(r, name)) + " " + name;
  }
  std::ostringstream details;
  size_t shown = 0;
  for (const Value& k : r.value("keys", Value::array())) {
    const std::string verdict = string_field(k, "verdict");
    if (verdict == "valid" || shown++ >= kMaxProblems) continue;
    details << "set " << text(k.value("key", Value(nullptr))) << ": " << verdict;
    if (k.contains("reason")) details << " (" << string_field(k, "reason") << ")";
    details << "\n";
    for (const char* name : {"lost", "phantom", "failed_read", "late"}) {
      const Value list = k.value(name, Value::object());
      if (number(list, "count") > 0)
        details << "  " << name << " " << number(list, "count") << ": " << list_text(list.value("elements", Value::array()))
                << "\n";
    }
    for (const Value& stale : k.value("stale", Value::array()))
      details << "  stale read #" << number(stale, "read_index") << " (line " << number(stale, "line") << ") misses "
              << number(stale, "missing_count") << ": " << list_text(stale.value("missing", Value::array())) << "\n";
  }
  const std::string of = " (of " + std::to_string(number(r, "acknowledged")) + " acknowledged adds)";
  if (c->verdict == "invalid") {
    c->message = "lost commits: " + (counts.empty() ? std::string("anomalies") : counts) + of;
  } else if (c->verdict == "unknown") {
    const std::string reason = string_field(r, "reason");
    c->message = "undecided: " + (!reason.empty() ? reason : !counts.empty() ? counts : std::string("no final read")) + of;
  }
  c->details = details.str();
}

std::string format_seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s < 0 ? 0.0 : s);
  return buf;
}

}  // namespace

std::vector<JUnitCase> junit_cases(const Value& test, const Value& results, double seconds,
                                   std::string_view error) {
  const Value config = test.is_object() ? test.value("config", Value::object()) : Value::object();
  std::string name = string_field(config, "test_name");
  if (name.empty()) {
    name = string_field(config, "target") + "-" + string_field(config, "workload");
    if (name == "-") name = "unknown-test";
  }
  std::vector<JUnitCase> cases;
  if (results.is_object()) {
    for (const auto& [checker, r] : results.items()) {
      if (!r.is_object() || !r.contains("verdict")) continue;
      JUnitCase c;
      c.test = name;
      c.checker = checker;
      c.verdict = string_field(r, "verdict");
      if (checker == "linearizable") {
        summarise_linearizable(r, &c);
      } else if (checker == "set") {
        summarise_set(r, &c);
      }
      if (c.verdict != "valid" && c.message.empty()) {
        const std::string reason = string_field(r, "reason");
        c.message = checker + ": " + c.verdict + (reason.empty() ? "" : " (" + reason + ")");
      }
      cases.push_back(std::move(c));
    }
  }
  if (!error.empty() || !results.is_object()) {
    JUnitCase c;
    c.test = name;
    c.checker = "harness";
    c.verdict = "error";
    c.message = !error.empty() ? std::string(error) : "no results: the run did not reach its check";
    cases.push_back(std::move(c));
  }
  if (!cases.empty()) cases.front().seconds = seconds;
  return cases;
}

std::string junit_xml(const std::string& suite, const std::vector<JUnitCase>& cases) {
  int failures = 0, errors = 0, skipped = 0;
  double total = 0;
  for (const auto& c : cases) {
    failures += c.verdict == "invalid";
    errors += c.verdict == "error";
    skipped += c.verdict == "unknown";
    total += c.seconds;
  }
  const std::string a = escape_xml_attribute(suite);
  const std::string counts = " tests=\"" + std::to_string(cases.size()) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
                             "\" skipped=\"" + std::to_string(skipped) + "\" time=\"" +
                             format_seconds(total) + "\"";
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"" << a << "\"" << counts << ">\n";
  out << "  <testsuite name=\"" << a << "\"" << counts << ">\n";
  for (const auto& c : cases) {
    const std::string name = c.checker + (c.run.empty() ? "" : " [" + c.run + "]");
    out << "    <testcase classname=\"" << escape_xml_attribute(c.test) << "\" name=\""
        << escape_xml_attribute(name) << "\" time=\"" << format_seconds(c.seconds) << "\"";
    const char* element = c.verdict == "invalid"   ? "failure"
                          : c.verdict == "error"   ? "error"
                          : c.verdict == "unknown" ? "skipped"
                                                   : nullptr;
    if (!element) {
      out << "/>\n";
      continue;
    }
    out << ">\n      <" << element << " message=\"" << escape_xml_attribute(c.message) << "\"";
    if (c.verdict != "unknown") out << " type=\"" << escape_xml_attribute(c.verdict) << "\"";
    if (c.details.empty()) {
      out << "/>\n";
    } else {
      out << ">" << escape_xml(c.details) << "</" << element << ">\n";
    }
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

}  // namespace faultline::reports::publish
