#include "harness/runner/check_run.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "checkers/linearizable/checker.h"
#include "checkers/logs/log_patterns.h"
#include "checkers/sets/set_checker.h"
#include "checkers/stats/stats.h"
#include "checkers/twopc/twopc_checker.h"
#include "harness/runner/target.h"
#include "history/reader.h"
#include "workloads/workload.h"

namespace faultline::harness::runner {

namespace fs = std::filesystem;
namespace lin = checkers::linearizable;
using checkers::Verdict;

base::Result<RunResults> check_history(const RunConfig& config,
                                       const std::vector<history::Op>& history,
                                       const std::vector<std::string>& warnings) {
  RunResults out;
  out.verdict = Verdict::Valid;
  // When the first anomaly happened (ns since the run began): for the bug matrix's
  // "time to the first anomaly". -1: none found.
  int64_t first_anomaly_ns = -1;
  std::map<int64_t, int64_t> time_of_index;
  for (const auto& op : history)
    if (op.index >= 0) time_of_index[op.index] = op.time;
  auto anomaly_at = [&](int64_t index) {
    auto it = time_of_index.find(index);
    if (it == time_of_index.end() || it->second < 0) return;
    if (first_anomaly_ns < 0 || it->second < first_anomaly_ns) first_anomaly_ns = it->second;
  };
  out.json = history::Value::object();
  std::ostringstream summary;
  bool any = false;

  if (config.workload == "register") {
    any = true;
    lin::CheckOptions options;
    options.model = lin::ModelKind::Kv;
    options.nil_read = lin::NilRead::Absent;  // a key never written reads as null
    options.time_limit_s = config.check_time_limit_s;
    lin::LinearizabilityChecker checker(options, "history.jsonl");
    for (const auto& w : warnings) checker.add_warning(w);
    for (const auto& op : history) {
      if (auto added = checker.add(op); !added.ok()) return base::Error{added.error().message};
    }
    auto result = checker.check();
    if (!result.ok()) return base::Error{result.error().message};
    for (const auto& key : result->problems)
      if (key.counterexample) anomaly_at(key.counterexample->failed.index);
    out.json["linearizable"] = lin::to_json(*result);
    out.verdict = checkers::combine(out.verdict, result->verdict);
    summary << "linearizable: " << lin::describe(*result);
  }
  if (config.workload == "set") {
    any = true;
    auto result = checkers::sets::check_set(history);
    if (!result.ok()) return base::Error{result.error().message};
    for (const auto& key : result->keys) {
      for (const auto& stale : key.stale) anomaly_at(stale.read_index);
      // A lost element: the moment its add was acknowledged.
      if (!key.lost.empty()) {
        std::set<std::string> lost;
        for (const auto& element : key.lost) lost.insert(element.dump());
        for (const auto& op : history)
          if (op.type == history::OpType::Ok && op.f == "add" && op.key == key.key &&
              lost.count(op.value.dump()))
            anomaly_at(op.index);
      }
    }
    out.json["set"] = checkers::sets::to_json(*result);
    out.verdict = checkers::combine(out.verdict, result->verdict);
    summary << "set: " << checkers::to_string(result->verdict) << " (" << result->acknowledged
            << " acknowledged adds, " << result->lost << " lost, " << result->phantom
            << " phantom, " << result->stale_reads << " stale reads, " << result->recovered
            << " recovered)\n";
  }
  if (config.workload == "bank") {
    any = true;
    checkers::twopc::TwoPcOptions options;
    options.initial_total = static_cast<int64_t>(config.keys) * workloads::kBankInitialBalance;
    auto result = checkers::twopc::check_twopc(history, options);
    if (!result.ok()) return base::Error{result.error().message};
    for (const auto& v : result->atomicity) anomaly_at(v.txn.index);
    for (const auto& v : result->balances) anomaly_at(v.index);
    out.json["twopc"] = checkers::twopc::to_json(*result);
    out.verdict = checkers::combine(out.verdict, result->verdict);
    summary << "twopc: " << checkers::twopc::describe(*result);
  }
  if (!any) return base::Error{"workload \"" + config.workload + "\" has no checkers"};

  const auto stats = checkers::stats::compute_stats(history);
  out.json["stats"] = checkers::stats::to_json(stats);
  out.verdict = checkers::combine(out.verdict, stats.verdict);
  summary << "stats: " << stats.operations << " operations in " << stats.duration_s << " s, "
          << stats.all_ok.count << " ok (p50 " << stats.all_ok.p50_ms << " ms, p99 "
          << stats.all_ok.p99_ms << " ms)\n";

  if (first_anomaly_ns >= 0) out.json["first_anomaly_s"] = static_cast<double>(first_anomaly_ns) / 1e9;
  out.json["verdict"] = std::string(checkers::to_string(out.verdict));
  out.json["warnings"] = warnings;
  out.summary = summary.str();
  return out;
}

base::Result<RunResults> check_run_dir(const fs::path& dir) {
  const fs::path test_json = dir / "test.json";
  std::ifstream in(test_json);
  if (!in) return base::Error{test_json.string() + ": cannot read (is this a run directory?)"};
  history::Value test;
  try {
    test = history::Value::parse(in);
  } catch (const std::exception& e) {
    return base::Error{test_json.string() + ": not JSON: " + e.what()};
  }
  if (!test.is_object() || !test.contains("config"))
    return base::Error{test_json.string() + ": no \"config\""};
  auto config = config_from_json(test.at("config"));
  if (!config.ok()) return base::Error{test_json.string() + ": " + config.error().message};

  std::vector<history::Op> history;
  auto read = history::read_history(dir / "history.jsonl", history::Format::Jsonl,
                                    [&](history::Op&& op) { history.push_back(std::move(op)); });
  if (!read.ok()) return base::Error{read.error().message};
  auto results = check_history(*config, history, read->warnings);
  if (!results.ok()) return results;
  // The node logs the teardown collected (nK/*.log), searched for the target's
  // patterns, leader, vote and applied lines; a run of an unknown target, or one without rules,
  // skips this.
  if (const TargetKind* kind = find_target_kind(config->target); kind && !kind->log_rules.empty()) {
    auto scan = checkers::logs::scan_run_logs(dir, kind->log_rules);
    if (!scan.ok()) return base::Error{scan.error().message};
    results->json["logs"] = checkers::logs::to_json(*scan);
    // A log anomaly on the history's timeline: its line's wall time less the wall time of
    // the history's zero (recorded by runs since log lines carry times). Node clocks that a
    // clock fault skewed shift it by their skew.
    if (scan->first_anomaly_us >= 0 && test.contains("history_origin_unix_us") &&
        test.at("history_origin_unix_us").is_number_integer()) {
      const double at_s =
          static_cast<double>(scan->first_anomaly_us - test.at("history_origin_unix_us").get<int64_t>()) / 1e6;
      results->json["logs"]["first_anomaly_s"] = at_s;
      if (!results->json.contains("first_anomaly_s") || results->json["first_anomaly_s"].get<double>() > at_s)
        results->json["first_anomaly_s"] = at_s;
    }
    results->verdict = checkers::combine(results->verdict, scan->verdict);
    results->json["verdict"] = std::string(checkers::to_string(results->verdict));
    results->summary += checkers::logs::describe(*scan);
  }

  const fs::path out_path = dir / "results.json";
  std::ofstream out(out_path);
  out << results->json.dump(2) << "\n";
  if (!out) return base::Error{out_path.string() + ": cannot write"};
  return results;
}

}  // namespace faultline::harness::runner
