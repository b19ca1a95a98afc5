#pragma once
// Internal to reports/html: the parts of report.html that report.cpp assembles. Each
// appends escaped HTML (or script-safe JSON) to `out`. Called by write_report only.
// Thread-safe (no shared state).

#include <cstdint>
#include <string>
#include <vector>

#include "history/op.h"
#include "reports/html/analysis.h"
#include "reports/html/report.h"

namespace faultline::reports::html::page {

struct Context {
  const ReportInput& input;
  const std::vector<history::Op>& history;
  const RunSummary& summary;
};

// The timeline's data block: <script type="application/json" id="fl-data"> (format in
// assets.cpp). `marks` are op ids a checker flagged (outlined in the timeline).
void append_timeline_data(std::string& out, const Context& c, const std::vector<int64_t>& marks);

// The linearizability section: each invalid key's counterexample as a lane diagram
// (inline SVG) and a table; unknown keys with their reason. Adds the ids it shows as
// anomalies to `marks`.
void append_counterexamples(std::string& out, const Context& c, std::vector<int64_t>& marks);

// The set checker's anomalies (lost, phantom, failed reads, stale reads, info adds),
// each with links into the timeline. Adds the ids it shows to `marks`.
void append_set_anomalies(std::string& out, const Context& c, std::vector<int64_t>& marks);

// Small shared helpers.
std::string fixed(double x, int decimals);
std::string seconds(int64_t ns);       // "12.345678"
std::string text_of(const history::Value& v);  // a string as itself, else compact JSON
std::string op_link(int64_t id);       // <a href="#op-ID">#ID</a>
const history::Value* member(const history::Value& v, const char* name);  // null if absent

}  // namespace faultline::reports::html::page
