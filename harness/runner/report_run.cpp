#include "harness/runner/report_run.h"

#include <fstream>

#include "harness/runner/publish.h"
#include "history/reader.h"
#include "reports/html/report.h"
#include "reports/plots/plots.h"

namespace faultline::harness::runner {

namespace fs = std::filesystem;

namespace {

// A JSON file, or null with a warning when it is missing or broken.
history::Value read_json(const fs::path& path, std::vector<std::string>& warnings) {
  std::ifstream in(path);
  if (!in) {
    warnings.push_back(path.string() + ": missing");
    return history::Value();
  }
  try {
    return history::Value::parse(in);
  } catch (const std::exception& e) {
    warnings.push_back(path.string() + ": not JSON: " + e.what());
    return history::Value();
  }
}

// results.json gets "report_warnings" (when it exists: a run that failed before its
// check has none). The verdict in it is left as it is.
void add_report_warnings(const fs::path& results, const std::vector<std::string>& warnings) {
  if (warnings.empty() || !fs::exists(results)) return;
  std::ifstream in(results);
  history::Value json = history::Value::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return;
  json["report_warnings"] = warnings;
  std::ofstream(results) << json.dump(2) << "\n";
}

}  // namespace

std::vector<std::string> write_run_report(const fs::path& dir, const std::string& error) {
  std::vector<std::string> warnings;
  reports::html::ReportInput input;
  input.test = read_json(dir / "test.json", warnings);
  input.results = read_json(dir / "results.json", warnings);

  std::vector<history::Op> history;
  auto read = history::read_history(dir / "history.jsonl", history::Format::Jsonl,
                                    [&](history::Op&& op) { history.push_back(std::move(op)); });
  if (!read.ok()) warnings.push_back("report: " + read.error().message);
  input.history = &history;

  reports::plots::PlotOptions plot_options;
  if (input.test.is_object() && input.test.contains("config") &&
      input.test["config"].value("call_timeout_s", 0.0) > 0)
    plot_options.call_timeout_s = input.test["config"]["call_timeout_s"].get<double>();
  auto plots = reports::plots::make_plots(history, dir / "plots", "gnuplot", plot_options);
  input.plots = plots.plots;
  for (auto& w : plots.warnings) warnings.push_back("plots: " + w);

  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(entry.path(), ec))
      if (file.path().extension() == ".log")
        input.logs.emplace_back(entry.path().filename().string(),
                                (entry.path().filename() / file.path().filename()).string());
  }
  std::sort(input.logs.begin(), input.logs.end());
  input.warnings = warnings;
  if (auto s = reports::html::write_report(input, dir / "report.html"); !s.ok())
    warnings.push_back("report.html: " + s.error().message);

  for (auto& w : publish_run(dir, error)) warnings.push_back(w);
  add_report_warnings(dir / "results.json", warnings);
  return warnings;
}

}  // namespace faultline::harness::runner
