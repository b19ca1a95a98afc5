// report.html: assembles the page from its parts (page.h). The page's order follows what
// a reader looks for: the verdicts, then what broke (counterexample, set anomalies), the
// timeline, the figures (ops, availability, latency), the plots, the test's config, logs.
//
// Plots are inlined as data: URIs of their SVG in <img>, not as <svg> elements: an image
// cannot run script or clash with the page's ids and styles (gnuplot's SVGs reuse the
// same ids), and it still needs nothing beyond the one file.

#include "reports/html/report.h"

#include "base/atomic_file.h"
#include "base/base64.h"


#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <system_error>

#include "reports/html/analysis.h"
#include "reports/html/assets.h"
#include "reports/html/page.h"
#include "reports/publish/escape.h"

namespace faultline::reports::html {

using history::Op;
using history::Value;
namespace fs = std::filesystem;

std::string escape_html(std::string_view text) { return publish::escape_xml(text); }

std::string json_for_script(const Value& value) {
  const std::string text = history::to_text(value);
  std::string out;
  out.reserve(text.size() + 16);
  // '<', '>' and '&' occur only inside JSON strings, where \u escapes read the same; so
  // neither "</script" nor "<!--" can appear. U+2028/2029 are escaped for old parsers
  // that treat the block as script.
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '<') {
      out += "\\u003c";
    } else if (ch == '>') {
      out += "\\u003e";
    } else if (ch == '&') {
      out += "\\u0026";
    } else if (ch == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
      out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += ch;
    }
  }
  return out;
}

namespace page {

std::string fixed(double x, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

std::string seconds(int64_t ns) { return fixed(static_cast<double>(ns) / 1e9, 6); }

std::string text_of(const Value& v) {
  return v.is_string() ? v.get<std::string>() : history::to_text(v);
}

std::string op_link(int64_t id) {
  const std::string n = std::to_string(id);
  return "<a href=\"#op-" + n + "\">#" + n + "</a>";
}

const Value* member(const Value& v, const char* name) {
  if (!v.is_object()) return nullptr;
  auto it = v.find(name);
  return it == v.end() ? nullptr : &*it;
}

}  // namespace page

namespace {

using page::fixed;
using page::member;
using page::text_of;

std::string verdict_of(const Value* checker) {
  if (!checker) return "";
  const Value* v = member(*checker, "verdict");
  return v && v->is_string() ? v->get<std::string>() : "unknown";
}

std::string verdict_class(const std::string& v) {
  if (v == "valid" || v == "invalid" || v == "unknown") return "v-" + v;
  return "v-none";
}

std::string badge(const std::string& v) {
  return "<span class=\"badge " + verdict_class(v) + "\">" + escape_html(v.empty() ? "none" : v) +
         "</span>";
}

bool read_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return static_cast<bool>(in) || in.eof();
}

// A relative path that a browser resolves against the report's folder: never a scheme.
std::string relative_href(const std::string& path) {
  std::string p = path;
  const size_t colon = p.find(':');
  if (colon != std::string::npos && p.find('/') > colon) p = "./" + p;
  std::string out;
  for (char ch : p) {
    if (ch == ' ') out += "%20";
    else if (ch == '#') out += "%23";
    else if (ch == '?') out += "%3F";
    else out += ch;
  }
  return escape_html(out);
}

std::string utc_time(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

struct Checker {
  const char* name;
  const char* anchor;
  const Value* json;
};

std::vector<Checker> checkers_of(const Value& results) {
  std::vector<Checker> out;
  if (const Value* j = member(results, "linearizable")) out.push_back({"linearizable", "#counterexample", j});
  if (const Value* j = member(results, "set")) out.push_back({"set", "#set-anomalies", j});
  if (const Value* j = member(results, "stats")) out.push_back({"stats", "#operations", j});
  if (const Value* j = member(results, "logs")) out.push_back({"logs", "#logs", j});
  return out;
}

std::string number_of(const Value* v, int decimals = -1) {
  if (!v || v->is_null()) return "";
  if (v->is_number_float() && decimals >= 0) return fixed(v->get<double>(), decimals);
  return escape_html(text_of(*v));
}

std::string at(const Value* v, const char* name, int decimals = -1) {
  return v ? number_of(member(*v, name), decimals) : "";
}

void append_banner(std::string& out, const ReportInput& in, const std::string& test_name) {
  const std::string verdict = verdict_of(&in.results);
  const Value* config = member(in.test, "config");
  out += "<header class=\"banner " + verdict_class(verdict) + "\"><h1>" + escape_html(test_name) +
         " — " + escape_html(verdict.empty() ? "no verdict" : verdict) + "</h1><div>";
  std::vector<std::string> facts;
  if (config) {
    for (const char* field : {"target", "workload", "nemesis"})
      if (const Value* v = member(*config, field)) facts.push_back(escape_html(field) + " " + escape_html(text_of(*v)));
    if (const Value* seed = member(*config, "seed")) facts.push_back("seed " + escape_html(text_of(*seed)));
  }
  if (const Value* started = member(in.test, "started"); started && started->is_number_integer())
    facts.push_back(utc_time(started->get<int64_t>()));
  for (size_t i = 0; i < facts.size(); ++i) out += (i ? " · " : "") + facts[i];
  out += "</div><div class=\"chips\">";
  for (const Checker& c : checkers_of(in.results))
    out += "<a class=\"chip\" href=\"" + std::string(c.anchor) + "\">" + c.name + ": " +
           escape_html(verdict_of(c.json)) + "</a>";
  if (in.results.is_null()) out += "<span class=\"chip\">no results.json</span>";
  out += "</div></header>";
}

void append_summary(std::string& out, const ReportInput& in, const RunSummary& s) {
  out += "<section id=\"summary\"><h2>Verdicts</h2><div class=\"cards\">";
  if (const Value* lin = member(in.results, "linearizable")) {
    const Value* problems = member(*lin, "problems");
    out += "<div class=\"card\"><div>linearizable " + badge(verdict_of(lin)) +
           "</div><div class=\"big\">" + at(lin, "valid_keys") + " / " + at(lin, "keys") +
           " keys valid</div><div class=\"note\">model " + at(lin, "model") + ", " +
           at(lin, "operations") + " operations checked in " + at(lin, "seconds", 3) + " s" +
           (problems && problems->is_array() && !problems->empty()
                ? "; <a href=\"#counterexample\">" + std::to_string(problems->size()) + " keys with problems</a>"
                : std::string()) +
           "</div></div>";
  }
  if (const Value* set = member(in.results, "set")) {
    out += "<div class=\"card\"><div>set " + badge(verdict_of(set)) + "</div><div class=\"big\">" +
           at(set, "lost") + " lost · " + at(set, "stale_reads") + " stale</div><div class=\"note\">" +
           at(set, "acknowledged") + " of " + at(set, "attempted") + " adds acknowledged, " +
           at(set, "phantom") + " phantom, " + at(set, "failed_read") + " read after failing, " +
           at(set, "recovered") + " info recovered, " + at(set, "unrecovered") + " not</div></div>";
  }
  const Value* stats = member(in.results, "stats");
  const Value* all_ok = stats ? member(*stats, "all_ok") : nullptr;
  out += "<div class=\"card\"><div>operations" + (stats ? " " + badge(verdict_of(stats)) : std::string()) +
         "</div><div class=\"big\">" + std::to_string(s.operations.size()) +
         "</div><div class=\"note\">" + std::to_string(s.counts[0]) + " ok, " +
         std::to_string(s.counts[1]) + " fail, " + std::to_string(s.counts[2] + s.counts[3]) +
         " info/pending" +
         (all_ok ? "; ok latency p50 " + at(all_ok, "p50_ms", 3) + " ms, p99 " + at(all_ok, "p99_ms", 3) + " ms"
                 : std::string()) +
         "</div></div>";
  out += "<div class=\"card\"><div>availability</div><div class=\"big\">" +
         fixed(s.inside.ok_ratio() * 100, 1) + "% ok in faults</div><div class=\"note\">" +
         fixed(s.outside.ok_ratio() * 100, 1) + "% ok outside faults; " +
         std::to_string(s.windows.size()) + " fault windows</div></div>";
  if (const Value* logs = member(in.results, "logs")) {
    out += "<div class=\"card\"><div>node logs " + badge(verdict_of(logs)) + "</div><div class=\"big\">" +
           at(logs, "total_matches") + " bad lines</div><div class=\"note\">" + at(logs, "lines") +
           " lines of " + at(logs, "files") + " logs searched for panics and broken invariants; " +
           "<a href=\"#logs\">where</a></div></div>";
  }
  if (const Value* first = member(in.results, "first_anomaly_s"))
    out += "<div class=\"card\"><div>first anomaly</div><div class=\"big\">" + number_of(first, 3) +
           " s</div><div class=\"note\">after the run began</div></div>";
  out += "</div>";
  std::vector<std::string> warnings = in.warnings;
  if (const Value* w = member(in.results, "warnings"); w && w->is_array())
    for (const Value& x : *w) warnings.push_back(text_of(x));
  if (const Value* lin = member(in.results, "linearizable"))
    if (const Value* w = member(*lin, "warnings"); w && w->is_array())
      for (const Value& x : *w) warnings.push_back("linearizable: " + text_of(x));
  for (const std::string& w : warnings) out += "<div class=\"warn\">" + escape_html(w) + "</div>";
  out += "</section>";
}

void append_operations(std::string& out, const ReportInput& in, const RunSummary& s,
                       const std::vector<Op>& history) {
  const double duration = static_cast<double>(s.end_ns - s.begin_ns) / 1e9;
  out += "<section id=\"operations\"><h2>Operations</h2><p>" + std::to_string(s.operations.size()) +
         " client operations over " + fixed(duration, 3) + " s: " +
         fixed(duration > 0 ? static_cast<double>(s.operations.size()) / duration : 0, 1) +
         " ops/s invoked, " + fixed(duration > 0 ? static_cast<double>(s.counts[0]) / duration : 0, 1) +
         " ok/s.</p>";
  const Value* stats = member(in.results, "stats");
  const Value* by_f = stats ? member(*stats, "by_f") : nullptr;
  out += "<div class=\"scroll\"><table><tr><th>f</th><th class=\"num\">ok</th><th class=\"num\">fail</th>"
         "<th class=\"num\">info</th><th class=\"num\">pending</th><th class=\"num\">total</th>"
         "<th class=\"num\">ok/s</th><th class=\"num\">ok p50 ms</th><th class=\"num\">ok p95 ms</th>"
         "<th class=\"num\">ok p99 ms</th><th class=\"num\">ok max ms</th></tr>";
  auto row = [&](const std::string& f, const std::array<int64_t, kOutcomes>& c, const Value* st) {
    int64_t total = 0;
    for (int64_t x : c) total += x;
    const Value* ok = st ? member(*st, "ok") : nullptr;
    out += "<tr><td>" + escape_html(f) + "</td>";
    for (int64_t x : c) out += "<td class=\"num\">" + std::to_string(x) + "</td>";
    out += "<td class=\"num\">" + std::to_string(total) + "</td><td class=\"num\">" +
           fixed(duration > 0 ? static_cast<double>(c[0]) / duration : 0, 1) + "</td><td class=\"num\">" +
           at(ok, "p50_ms", 3) + "</td><td class=\"num\">" + at(ok, "p95_ms", 3) +
           "</td><td class=\"num\">" + at(ok, "p99_ms", 3) + "</td><td class=\"num\">" +
           at(ok, "max_ms", 3) + "</td></tr>";
  };
  for (const auto& [f, c] : s.counts_by_f) row(f, c, by_f ? member(*by_f, f.c_str()) : nullptr);
  if (s.counts_by_f.size() > 1) {
    const Value all = stats && member(*stats, "all_ok") ? Value{{"ok", *member(*stats, "all_ok")}} : Value();
    row("all", s.counts, all.is_null() ? nullptr : &all);
  }
  out += "</table></div>";

  out += "<h3 id=\"availability\">Availability inside and outside fault windows</h3><p class=\"note\">An "
         "op counts in the window its invoke falls in; availability is the share of ops that "
         "ended ok (info and pending are unknown, not ok).</p><div class=\"scroll\"><table><tr>"
         "<th>when</th><th class=\"num\">seconds</th><th class=\"num\">ops</th><th class=\"num\">ok</th>"
         "<th class=\"num\">fail</th><th class=\"num\">info/pending</th><th class=\"num\">availability</th>"
         "<th class=\"num\">ok/s</th></tr>";
  auto avail = [&](const std::string& name, const Availability& a) {
    out += "<tr><td>" + escape_html(name) + "</td><td class=\"num\">" + fixed(a.seconds, 3) +
           "</td><td class=\"num\">" + std::to_string(a.total()) + "</td><td class=\"num\">" +
           std::to_string(a.outcomes[0]) + "</td><td class=\"num\">" + std::to_string(a.outcomes[1]) +
           "</td><td class=\"num\">" + std::to_string(a.outcomes[2] + a.outcomes[3]) +
           "</td><td class=\"num\">" + (a.total() ? fixed(a.ok_ratio() * 100, 1) + "%" : std::string("–")) +
           "</td><td class=\"num\">" + fixed(a.ok_per_s(), 1) + "</td></tr>";
  };
  avail("outside fault windows", s.outside);
  avail("inside any fault window", s.inside);
  for (const auto& [fault, a] : s.by_fault) avail("inside " + fault, a);
  out += "</table></div>";

  if (!s.windows.empty()) {
    // The nemesis op that opened each window, for a link.
    std::map<std::pair<std::string, int64_t>, int64_t> opened;
    for (size_t i = 0; i < history.size(); ++i)
      if (!history[i].process.is_client()) opened.emplace(std::make_pair(history[i].f, history[i].time), op_id(history[i], i));
    out += "<details><summary>" + std::to_string(s.windows.size()) +
           " fault windows</summary><div class=\"scroll\"><table><tr><th>fault</th><th>nemesis op</th>"
           "<th class=\"num\">start (s)</th><th class=\"num\">stop (s)</th><th class=\"num\">"
           "length (s)</th></tr>";
    for (const FaultWindow& w : s.windows) {
      auto it = opened.find({"start-" + w.fault, w.start_ns});
      const int64_t stop = w.stop_ns < 0 ? s.end_ns : w.stop_ns;
      out += "<tr><td>" + escape_html(w.fault) + "</td><td>" +
             (it != opened.end() ? page::op_link(it->second) : std::string()) + "</td><td class=\"num\">" +
             page::seconds(w.start_ns) + "</td><td class=\"num\">" +
             (w.stop_ns < 0 ? std::string("never stopped") : page::seconds(w.stop_ns)) +
             "</td><td class=\"num\">" + fixed(static_cast<double>(stop - w.start_ns) / 1e9, 3) + "</td></tr>";
    }
    out += "</table></div></details>";
  }
  out += "</section>";
}

void append_plots(std::string& out, const ReportInput& in, const fs::path& dir) {
  out += "<section id=\"plots\"><h2>Plots</h2>";
  if (in.plots.empty()) out += "<p class=\"note\">No plots were made (see the warnings above).</p>";
  for (const plots::Plot& p : in.plots) {
    out += "<div class=\"plot\" id=\"plot-" + escape_html(p.name) + "\"><h3>" + escape_html(p.title) + "</h3>";
    std::string svg;
    if (!p.svg.empty() && read_file(p.svg, svg) && !svg.empty()) {
      out += "<img alt=\"" + escape_html(p.title) + "\" src=\"data:image/svg+xml;base64," + base::base64_encode(svg) + "\">";
    } else {
      out += "<p class=\"note\">" + escape_html(p.svg.filename().string().empty() ? p.name : p.svg.filename().string()) +
             " is missing: plot skipped.</p>";
    }
    std::error_code ec;
    if (!p.png.empty() && fs::exists(p.png, ec)) {
      const fs::path rel = p.png.is_absolute() ? p.png.lexically_relative(dir) : p.png;
      if (!rel.empty()) out += "<p><a href=\"" + relative_href(rel.generic_string()) + "\">PNG</a></p>";
    }
    out += "</div>";
  }
  out += "</section>";
}

void append_timeline(std::string& out, const RunSummary& s) {
  out += "<section id=\"timeline\"><h2>Timeline</h2><p class=\"note\">" +
         std::to_string(s.operations.size()) + " ops on " + std::to_string(s.lanes.size()) +
         " processes; fault windows shaded. Drag to pan, Ctrl/⌘+wheel or pinch to zoom, wheel to "
         "scroll processes; hover for details, click to select (the address then links to the "
         "op).</p><div class=\"tl-controls\"><button id=\"tl-in\" type=\"button\">zoom in</button>"
         "<button id=\"tl-out\" type=\"button\">zoom out</button><button id=\"tl-reset\" "
         "type=\"button\">whole run</button><form id=\"tl-goto\"><input id=\"tl-goto-id\" "
         "type=\"number\" min=\"0\" placeholder=\"op #\" aria-label=\"op index\"> <button "
         "type=\"submit\">go</button></form></div><div class=\"legend\"><span><i "
         "style=\"background:#4e93d8\"></i>ok</span><span><i style=\"background:#e0607e\"></i>fail"
         "</span><span><i style=\"background:#f0a030\"></i>info</span><span><i "
         "style=\"background:#a8a8a8\"></i>pending</span><span><i style=\"border:2px solid "
         "#b3261e;height:8px\"></i>flagged by a checker</span></div><div id=\"tl-wrap\"><canvas "
         "id=\"tl-canvas\" height=\"240\"></canvas></div><div id=\"tl-tip\"></div><div id=\"tl-detail\" "
         "class=\"mono\">Click an op, or follow a #op link.</div><noscript><p class=\"warn\">The "
         "timeline needs JavaScript.</p></noscript></section>";
}

void append_config(std::string& out, const ReportInput& in) {
  out += "<section id=\"config\"><h2>Test</h2><div class=\"scroll\"><table>";
  const Value* config = member(in.test, "config");
  auto row = [&](const std::string& k, const std::string& v) {
    out += "<tr><th>" + escape_html(k) + "</th><td class=\"mono val\">" + escape_html(v) + "</td></tr>";
  };
  if (config)
    if (const Value* seed = member(*config, "seed")) row("seed", text_of(*seed));
  if (const Value* v = member(in.test, "versions")) row("versions", text_of(*v));
  if (const Value* st = member(in.test, "started"); st && st->is_number_integer())
    row("started", utc_time(st->get<int64_t>()) + " (" + text_of(*st) + ")");
  if (config && config->is_object())
    for (const auto& [k, v] : config->items())
      if (k != "seed") row(k, text_of(v));
  if (!config) out += "<tr><td>No test.json config.</td></tr>";
  out += "</table></div></section>";
}

void append_logs(std::string& out, const ReportInput& in) {
  out += "<section id=\"logs\"><h2>Node logs</h2>";
  if (in.logs.empty()) out += "<p class=\"note\">No node logs were collected.</p>";
  else out += "<ul>";
  for (const auto& [node, path] : in.logs)
    out += "<li>" + escape_html(node) + ": <a href=\"" + relative_href(path) + "\">" + escape_html(path) + "</a></li>";
  if (!in.logs.empty()) out += "</ul>";
  const Value* scan = member(in.results, "logs");
  const Value* matches = scan ? member(*scan, "matches") : nullptr;
  if (matches && matches->is_array() && !matches->empty()) {
    out += "<p>Lines that no healthy server writes (the first " + std::to_string(matches->size()) + " of " +
           at(scan, "total_matches") + "):</p><div class=\"scroll\"><table><tr><th>log</th>"
           "<th class=\"num\">line</th><th>pattern</th><th>text</th></tr>";
    for (const Value& m : *matches)
      out += "<tr><td>" + at(&m, "file") + "</td><td class=\"num\">" + at(&m, "line") + "</td><td>" +
             at(&m, "pattern") + "</td><td><code>" + at(&m, "text") + "</code></td></tr>";
    out += "</table></div>";
  }
  out += "</section>";
}

}  // namespace

base::Status write_report(const ReportInput& input, const fs::path& out_file) {
  static const std::vector<Op> kEmpty;
  const std::vector<Op>& history = input.history ? *input.history : kEmpty;
  const RunSummary summary = summarize(history, input.results);
  const page::Context context{input, history, summary};

  std::string test_name = "faultline run";
  if (const Value* config = member(input.test, "config"))
    if (const Value* name = member(*config, "test_name")) test_name = text_of(*name);

  // Sections that flag ops come first: the timeline's data outlines what they flagged.
  std::vector<int64_t> marks;
  std::string anomalies;
  page::append_counterexamples(anomalies, context, marks);
  page::append_set_anomalies(anomalies, context, marks);

  std::string out;
  out.reserve(4096 + summary.operations.size() * 64);
  const std::string verdict = verdict_of(&input.results);
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width,initial-scale=1\"><meta name=\"generator\" content=\"faultline\">"
         "<title>" + escape_html(test_name + " — " + (verdict.empty() ? "no verdict" : verdict)) +
         "</title><style>";
  out += kReportCss;
  out += "</style></head><body>";
  append_banner(out, input, test_name);
  out += "<nav class=\"toc\"><a href=\"#summary\">verdicts</a>";
  if (member(input.results, "linearizable")) out += "<a href=\"#counterexample\">linearizability</a>";
  if (member(input.results, "set")) out += "<a href=\"#set-anomalies\">set anomalies</a>";
  out += "<a href=\"#timeline\">timeline</a><a href=\"#operations\">operations</a><a "
         "href=\"#availability\">availability</a><a href=\"#plots\">plots</a><a href=\"#config\">test</a>"
         "<a href=\"#logs\">logs</a></nav><main>";
  append_summary(out, input, summary);
  out += anomalies;
  append_timeline(out, summary);
  append_operations(out, input, summary, history);
  append_plots(out, input, out_file.parent_path());
  append_config(out, input);
  append_logs(out, input);
  out += "<p class=\"note\">Written by faultline from test.json, history.jsonl and results.json. "
         "Ops are linked as #op-&lt;index&gt;.</p></main>";
  page::append_timeline_data(out, context, marks);
  out += "<script>";
  out += kReportJs;
  out += "</script></body></html>\n";

  return base::write_file_atomically(out_file, out);
}

}  // namespace faultline::reports::html
