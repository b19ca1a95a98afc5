#pragma once
// report.html: the self-contained, offline page of one run (styles, scripts and data
// inline; no CDN): verdict banner per checker; config, seed, versions; op counts by f
// and outcome, throughput, availability inside versus outside fault windows; the plots
// (each SVG inlined as a data: image, so it cannot run script); a canvas timeline of
// ops per process that stays fast at 100,000+ ops, with hover details and links by op
// index (#op-<index>); the linearizability counterexample drawn
// (the failing key's ops around the failure, the prefix, the op that could not be
// placed, model states); lost-commit anomalies with links into the timeline; node logs
// linked. Every value from a history or a log is escaped. Thread-safe.

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "history/op.h"
#include "reports/plots/plots.h"

namespace faultline::reports::html {

// Any part may be missing: null JSON, no history (an empty timeline), no plots, no logs;
// the page then says so instead of failing.
struct ReportInput {
  history::Value test;     // test.json
  history::Value results;  // results.json
  const std::vector<history::Op>* history = nullptr;  // must outlive write_report
  std::vector<plots::Plot> plots;
  // node name -> path of its log, relative to the report's folder
  std::vector<std::pair<std::string, std::string>> logs;
  std::vector<std::string> warnings;  // shown in the page (e.g. plots that failed)
};

// Writes the page to `out_file` (write to a temporary name, then rename). Errors name
// the file. Plots whose SVG is missing are skipped with a note. About 1 s per 1,000,000
// history events; the page holds ~50 bytes per client operation.
base::Status write_report(const ReportInput& input, const std::filesystem::path& out_file);

// & < > " ' escaped for HTML text and attribute values; invalid UTF-8 and control
// characters made visible (reports/publish/escape.h, which the JUnit and index share).
std::string escape_html(std::string_view text);
// JSON for a <script type="application/json"> block: also escapes "</" and "<!--" so no
// value can close the script element.
std::string json_for_script(const history::Value& value);

}  // namespace faultline::reports::html
