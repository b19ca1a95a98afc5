#include "reports/publish/run_summary.h"

#include <chrono>
#include <fstream>

namespace faultline::reports::publish {

namespace fs = std::filesystem;
using history::Value;

namespace {

// The file as JSON, or null (with a warning unless it is simply absent and `optional`).
Value read_json(const fs::path& file, bool optional, std::vector<std::string>* warnings) {
  std::ifstream in(file);
  if (!in) {
    if (!optional) warnings->push_back(file.string() + ": cannot read");
    return nullptr;
  }
  try {
    return Value::parse(in);
  } catch (const std::exception& e) {
    warnings->push_back(file.string() + ": not JSON: " + e.what());
    return nullptr;
  }
}

template <class T>
void get(const Value& object, const char* name, T* field) {
  if (!object.is_object()) return;
  auto it = object.find(name);
  if (it == object.end()) return;
  try {
    it->get_to(*field);
  } catch (const std::exception&) {
    // A field of the wrong type keeps its default: the index shows what it can.
  }
}

int64_t count_of(const Value& by_outcome, const char* outcome) {
  int64_t n = 0;
  if (by_outcome.is_object() && by_outcome.contains(outcome)) get(by_outcome.at(outcome), "count", &n);
  return n;
}

}  // namespace

std::string display_time(const std::string& name) {
  // YYYYMMDDTHHMMSS.mmmZ
  if (name.size() < 16 || name[8] != 'T') return name;
  for (size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14})
    if (name[i] < '0' || name[i] > '9') return name;
  return name.substr(0, 4) + "-" + name.substr(4, 2) + "-" + name.substr(6, 2) + " " +
         name.substr(9, 2) + ":" + name.substr(11, 2) + ":" + name.substr(13, 2) + "Z";
}

RunSummary read_run(const fs::path& run_dir) {
  RunSummary r;
  r.dir = run_dir;
  r.time = run_dir.filename().string();
  r.test = run_dir.parent_path().filename().string();
  r.verdict = "incomplete";

  r.test_json = read_json(run_dir / "test.json", false, &r.warnings);
  const Value config = r.test_json.is_object() && r.test_json.contains("config")
                           ? r.test_json.at("config")
                           : Value(nullptr);
  get(config, "test_name", &r.test);
  get(config, "target", &r.target);
  get(config, "workload", &r.workload);
  get(config, "nemesis", &r.nemesis);
  get(config, "read_mode", &r.read_mode);
  get(config, "bugs", &r.bugs);
  get(config, "seed", &r.seed);
  get(r.test_json, "started", &r.started);

  const fs::path results_file = run_dir / "results.json";
  std::error_code ec;
  const bool has_results = fs::exists(results_file, ec);
  // No results.json yet is normal (a run in progress, or one that died): no warning.
  if (has_results) r.results_json = read_json(results_file, false, &r.warnings);
  if (!r.results_json.is_object()) return r;

  r.complete = true;
  r.verdict = "unknown";
  get(r.results_json, "verdict", &r.verdict);
  std::vector<std::string> result_warnings;
  get(r.results_json, "warnings", &result_warnings);
  r.warnings.insert(r.warnings.begin(), result_warnings.begin(), result_warnings.end());
  for (const auto& [name, checker] : r.results_json.items()) {
    if (!checker.is_object() || !checker.contains("verdict")) continue;
    std::string verdict = "unknown";
    get(checker, "verdict", &verdict);
    r.checkers.emplace_back(name, verdict);
  }

  const Value stats = r.results_json.value("stats", Value(nullptr));
  if (stats.is_object() && stats.contains("by_f") && stats.at("by_f").is_object()) {
    for (const auto& [f, by_outcome] : stats.at("by_f").items()) {
      r.ok += count_of(by_outcome, "ok");
      r.fail += count_of(by_outcome, "fail");
      r.info += count_of(by_outcome, "info");
    }
  }
  r.ops = r.ok + r.fail + r.info;

  // Wall time from start to results (setup, main phase, heal, teardown, check). A run
  // re-checked later (`faultline check`) rewrites results.json, so a figure far beyond
  // the history's span falls back to the span.
  double span_s = -1;
  get(stats, "duration_s", &span_s);
  const auto written = fs::last_write_time(results_file, ec);
  if (!ec && r.started > 0) {
    const auto since_epoch = std::chrono::file_clock::to_sys(written).time_since_epoch();
    const double wall = std::chrono::duration<double>(since_epoch).count() - static_cast<double>(r.started);
    if (wall >= 0 && (span_s < 0 || wall < span_s + 600)) r.duration_s = wall;
  }
  if (r.duration_s < 0) r.duration_s = span_s;
  return r;
}

}  // namespace faultline::reports::publish
