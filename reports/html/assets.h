#pragma once
// The style sheet and the script of report.html, inlined into every page (the report
// works offline, from file://). The script reads the page's data from
// <script type="application/json" id="fl-data"> (built by report.cpp; format in
// assets.cpp) and draws the timeline on a <canvas>. It never puts data into innerHTML:
// every value reaches the DOM through textContent. Constants; thread-safe.

namespace faultline::reports::html {

extern const char kReportCss[];
extern const char kReportJs[];

}  // namespace faultline::reports::html
