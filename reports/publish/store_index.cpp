#include "reports/publish/store_index.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/atomic_file.h"
#include "reports/publish/escape.h"

namespace faultline::reports::publish {

namespace fs = std::filesystem;

namespace {

constexpr size_t kTrendLength = 60;  // squares per test: the newest runs

// A directory we may list: a real directory, not a symlink ("latest") into another.
bool is_plain_dir(const fs::directory_entry& e) {
  std::error_code ec;
  return e.is_directory(ec) && !e.is_symlink(ec);
}

std::vector<fs::directory_entry> plain_dirs(const fs::path& dir) {
  std::vector<fs::directory_entry> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (is_plain_dir(*it)) out.push_back(*it);
  return out;
}

// "test/time/file" with every segment percent-encoded, relative to the store.
std::string href(const fs::path& store, const fs::path& dir, const std::string& file) {
  std::string out;
  for (const auto& part : dir.lexically_relative(store)) {
    if (part == ".") continue;
    out += url_segment(part.string()) + "/";
  }
  return escape_xml_attribute(out + url_segment(file));
}

std::string h(const std::string& s) { return escape_xml(s); }
std::string attr(const std::string& s) { return escape_xml_attribute(s); }

// CSS class of a verdict; anything unexpected is "other" (never the raw value).
std::string verdict_class(const std::string& v) {
  for (const char* known : {"valid", "invalid", "unknown", "incomplete", "error"})
    if (v == known) return std::string("v-") + known;
  return "v-other";
}

std::string thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

std::string duration_text(double s) {
  if (s < 0) return "";
  char buf[32];
  if (s < 120) {
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  } else {
    const auto total = static_cast<long>(s + 0.5);
    std::snprintf(buf, sizeof buf, "%ldm %02lds", total / 60, total % 60);
  }
  return buf;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

bool newer(const std::string& time_a, const std::string& name_a, const std::string& time_b,
           const std::string& name_b) {
  return time_a != time_b ? time_a > time_b : name_a < name_b;
}

constexpr const char* kStyle = R"css(
:root{--valid:#2e9d4f;--invalid:#d23c3c;--unknown:#e0a020;--incomplete:#9a9a9a;--error:#8a4fc7}
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;padding:1rem;color:#1d1d1f;background:#fafafa}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.meta{color:#666;margin:0}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{padding:.3rem .5rem;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
th{background:#f0f0f0;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.wrap{overflow-x:auto}
.badge{display:inline-block;padding:0 .4rem;border-radius:.6rem;color:#fff;font-size:.8rem;margin:0 .2rem .2rem 0;white-space:nowrap}
.v-valid{background:var(--valid)}.v-invalid{background:var(--invalid)}.v-unknown{background:var(--unknown)}
.v-incomplete{background:var(--incomplete)}.v-error{background:var(--error)}.v-other{background:#555}
.sq{display:inline-block;width:.9rem;height:.9rem;margin:1px;border-radius:2px;vertical-align:middle}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}
.filters label{display:flex;gap:.3rem;align-items:center}
.warn{color:#a05a00}
a{color:#0a58ca}
tr[hidden]{display:none}
)css";

// Filters rows by the data-* attribute each control names; presets from the URL hash
// (#verdict=invalid&target=raft), which the page also keeps up to date.
constexpr const char* kScript = R"js(
(function () {
  var controls = Array.prototype.slice.call(document.querySelectorAll('[data-filter]'));
  var rows = Array.prototype.slice.call(document.querySelectorAll('#runs tbody tr'));
  var shown = document.getElementById('shown');
  var params = new URLSearchParams(location.hash.slice(1));
  controls.forEach(function (c) {
    var v = params.get(c.getAttribute('data-filter'));
    if (v !== null) c.value = v;
  });
  function apply() {
    var n = 0, state = new URLSearchParams();
    rows.forEach(function (r) {
      var keep = controls.every(function (c) {
        var f = c.getAttribute('data-filter'), want = c.value;
        if (!want) return true;
        var have = r.getAttribute('data-' + f) || '';
        return c.tagName === 'INPUT' ? have.toLowerCase().indexOf(want.toLowerCase()) >= 0 : have === want;
      });
      r.hidden = !keep;
      if (keep) n++;
    });
    controls.forEach(function (c) { if (c.value) state.set(c.getAttribute('data-filter'), c.value); });
    shown.textContent = n + ' of ' + rows.length + ' runs shown';
    history.replaceState(null, '', state.toString() ? '#' + state.toString() : location.pathname + location.search);
  }
  controls.forEach(function (c) { c.addEventListener('input', apply); c.addEventListener('change', apply); });
  apply();
})();
)js";

void select_filter(std::ostringstream& out, const char* label, const char* field,
                   const std::set<std::string>& values) {
  out << "<label>" << label << " <select data-filter=\"" << field << "\"><option value=\"\">all</option>";
  for (const auto& v : values) out << "<option value=\"" << attr(v) << "\">" << h(v.empty() ? "(none)" : v) << "</option>";
  out << "</select></label>\n";
}

void render_trends(std::ostringstream& out, const StoreContents& c, const fs::path& store) {
  // test -> its runs, oldest first
  std::map<std::string, std::vector<const RunSummary*>> by_test;
  for (auto it = c.runs.rbegin(); it != c.runs.rend(); ++it) by_test[it->test].push_back(&*it);
  out << "<section><h2>Trend per test</h2><div class=\"wrap\"><table class=\"trend\"><thead><tr><th>test</th>"
         "<th>runs, oldest to newest</th><th class=\"num\">valid</th></tr></thead><tbody>\n";
  for (const auto& [test, runs] : by_test) {
    int valid = 0, finished = 0;
    for (const auto* r : runs) {
      valid += r->verdict == "valid";
      finished += r->complete;
    }
    out << "<tr><td>" << h(test) << "</td><td>";
    const size_t first = runs.size() > kTrendLength ? runs.size() - kTrendLength : 0;
    for (size_t i = first; i < runs.size(); ++i) {
      const RunSummary& r = *runs[i];
      const bool has_report = fs::exists(r.dir / "report.html");
      out << "<a class=\"sq " << verdict_class(r.verdict) << "\" href=\""
          << href(store, r.dir, has_report ? "report.html" : "results.json") << "\" title=\""
          << attr(display_time(r.time) + ": " + r.verdict) << "\"></a>";
    }
    out << "</td><td class=\"num\">" << valid << "/" << finished << "</td></tr>\n";
  }
  out << "</tbody></table></div></section>\n";
}

void render_runs(std::ostringstream& out, const StoreContents& c, const fs::path& store) {
  std::set<std::string> targets, workloads, verdicts;
  for (const auto& r : c.runs) {
    targets.insert(r.target);
    workloads.insert(r.workload);
    verdicts.insert(r.verdict);
  }
  out << "<section><h2>Runs</h2><form class=\"filters\" onsubmit=\"return false\">\n";
  select_filter(out, "target", "target", targets);
  select_filter(out, "workload", "workload", workloads);
  select_filter(out, "verdict", "verdict", verdicts);
  out << "<label>test <input type=\"search\" data-filter=\"test\" placeholder=\"name contains\"></label>"
         "<span id=\"shown\" class=\"meta\"></span></form>\n";
  out << "<div class=\"wrap\"><table id=\"runs\"><thead><tr><th>test</th><th>time (UTC)</th><th>duration</th>"
         "<th>verdict</th><th>checkers</th><th class=\"num\">ops</th><th class=\"num\">ok</th>"
         "<th class=\"num\">fail</th><th class=\"num\">info</th><th>nemesis</th><th>bugs</th><th>seed</th>"
         "<th>files</th></tr></thead><tbody>\n";
  for (const auto& r : c.runs) {
    out << "<tr data-target=\"" << attr(r.target) << "\" data-workload=\"" << attr(r.workload)
        << "\" data-verdict=\"" << attr(r.verdict) << "\" data-test=\"" << attr(r.test) << "\">";
    out << "<td>" << h(r.test) << "</td><td class=\"num\">" << h(display_time(r.time)) << "</td><td class=\"num\">"
        << h(duration_text(r.duration_s)) << "</td>";
    out << "<td><span class=\"badge " << verdict_class(r.verdict) << "\">" << h(r.verdict) << "</span>";
    if (!r.warnings.empty())
      out << " <span class=\"warn\" title=\"" << attr(join(r.warnings, "\n")) << "\">" << r.warnings.size()
          << (r.warnings.size() == 1 ? " warning" : " warnings") << "</span>";
    out << "</td><td>";
    for (const auto& [checker, verdict] : r.checkers)
      out << "<span class=\"badge " << verdict_class(verdict) << "\">" << h(checker) << ": " << h(verdict)
          << "</span>";
    out << "</td>";
    if (r.complete) {
      out << "<td class=\"num\">" << thousands(r.ops) << "</td><td class=\"num\">" << thousands(r.ok)
          << "</td><td class=\"num\">" << thousands(r.fail) << "</td><td class=\"num\">" << thousands(r.info)
          << "</td>";
    } else {
      out << "<td class=\"num\"></td><td class=\"num\"></td><td class=\"num\"></td><td class=\"num\"></td>";
    }
    out << "<td>" << h(r.nemesis) << "</td><td>" << h(join(r.bugs, ", ")) << "</td><td class=\"num\">" << r.seed
        << "</td><td>";
    std::vector<std::string> links;
    for (const char* file : {"report.html", "results.json", "results.xml", "history.jsonl", "test.json"}) {
      std::error_code ec;
      if (fs::exists(r.dir / file, ec))
        links.push_back("<a href=\"" + href(store, r.dir, file) + "\">" + std::string(file == std::string("report.html") ? "report" : file) + "</a>");
    }
    out << join(links, " · ") << "</td></tr>\n";
  }
  out << "</tbody></table></div></section>\n";
}

void render_suites(std::ostringstream& out, const StoreContents& c, const fs::path& store) {
  if (c.suites.empty()) return;
  out << "<section><h2>Suites</h2><div class=\"wrap\"><table><thead><tr><th>suite</th><th>time (UTC)</th>"
         "<th class=\"num\">runs</th><th>result</th><th>files</th></tr></thead><tbody>\n";
  for (const auto& s : c.suites) {
    static const char* kWords[] = {"valid", "invalid", "unknown", "error"};
    const std::string word = s.exit_code >= 0 && s.exit_code <= 3 ? kWords[s.exit_code] : "error";
    out << "<tr><td>" << h(s.name) << "</td><td class=\"num\">" << h(display_time(s.time)) << "</td><td class=\"num\">"
        << s.runs << "</td><td><span class=\"badge " << verdict_class(word) << "\">" << word << " (exit "
        << s.exit_code << ")</span></td><td><a href=\"" << href(store, s.dir, "suite.json") << "\">suite.json</a> · <a href=\""
        << href(store, s.dir, "results.xml") << "\">results.xml</a></td></tr>\n";
  }
  out << "</tbody></table></div></section>\n";
}

}  // namespace

StoreContents scan_store(const fs::path& store) {
  StoreContents c;
  for (const auto& test_dir : plain_dirs(store)) {
    const bool suites = test_dir.path().filename() == "suites";
    for (const auto& run_dir : plain_dirs(test_dir.path())) {
      std::error_code ec;
      if (fs::exists(run_dir.path() / "test.json", ec)) c.runs.push_back(read_run(run_dir.path()));
      if (!suites) continue;
      // store/suites/<name>/<time>/suite.json
      for (const auto& suite_dir : plain_dirs(run_dir.path())) {
        std::ifstream in(suite_dir.path() / "suite.json");
        if (!in) continue;
        SuiteSummary s;
        s.dir = suite_dir.path();
        s.name = run_dir.path().filename().string();
        s.time = suite_dir.path().filename().string();
        try {
          const auto j = history::Value::parse(in);
          s.exit_code = j.value("exit_code", 3);
          for (const auto& t : j.value("tests", history::Value::array()))
            s.runs += static_cast<int>(t.value("runs", history::Value::array()).size());
        } catch (const std::exception&) {
          // listed with exit 3: its suite.json is broken
        }
        c.suites.push_back(std::move(s));
      }
    }
  }
  std::sort(c.runs.begin(), c.runs.end(),
            [](const RunSummary& a, const RunSummary& b) { return newer(a.time, a.test, b.time, b.test); });
  std::sort(c.suites.begin(), c.suites.end(),
            [](const SuiteSummary& a, const SuiteSummary& b) { return newer(a.time, a.name, b.time, b.name); });
  return c;
}

std::string render_store_index(const StoreContents& c, const fs::path& store) {
  int64_t incomplete = 0, invalid = 0;
  for (const auto& r : c.runs) {
    incomplete += !r.complete;
    invalid += r.verdict == "invalid";
  }
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
         "<title>faultline runs</title><style>"
      << kStyle << "</style></head><body>\n<h1>faultline runs</h1>\n<p class=\"meta\">" << thousands(static_cast<int64_t>(c.runs.size()))
      << " runs, " << invalid << " invalid, " << incomplete << " incomplete";
  if (!c.runs.empty()) out << "; newest " << h(display_time(c.runs.front().time));
  out << "</p>\n";
  render_trends(out, c, store);
  render_runs(out, c, store);
  render_suites(out, c, store);
  out << "<script>" << kScript << "</script>\n</body></html>\n";
  return out.str();
}

base::Status write_store_index(const fs::path& store) {
  return base::write_file_atomically(store / "index.html", render_store_index(scan_store(store), store));
}

}  // namespace faultline::reports::publish
