// `faultline check`: checks a recorded history (a file, or a run directory holding
// history.jsonl) for linearizability and prints the verdict and counterexample.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "checkers/linearizable/checker.h"
#include "harness/cli/commands.h"
#include "harness/runner/check_run.h"

namespace faultline::harness {
namespace {

namespace lin = checkers::linearizable;

struct CheckArgs {
  std::string path;
  std::string model = "auto";
  std::string initial;
  std::string format = "auto";
  std::string json_out;
  std::string nil_read = "unknown";
  double time_limit_s = 0;
  double memory_limit_mb = 1024;
  int threads = 0;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return kExitError;
}

int run_check(const CheckArgs& a) {
  lin::CheckOptions options;
  if (a.model != "auto") {
    auto m = lin::model_from_string(a.model);
    if (!m) return fail("--model: unknown model \"" + a.model + "\"");
    options.model = *m;
  }
  if (!a.initial.empty()) {
    try {
      options.initial = history::Value::parse(a.initial);
    } catch (const std::exception& e) {
      return fail("--initial: expected a JSON value such as 0, null, \"\" or {\"x\":0}, got " +
                  a.initial);
    }
  }
  auto format = history::format_from_string(a.format);
  if (!format) return fail("--format: expected auto, jsonl or edn, got " + a.format);
  options.nil_read = a.nil_read == "absent" ? lin::NilRead::Absent : lin::NilRead::Unknown;
  options.time_limit_s = a.time_limit_s;
  options.memory_limit_bytes = static_cast<int64_t>(a.memory_limit_mb * 1024 * 1024);
  options.threads = a.threads;

  std::filesystem::path path = a.path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    if (std::filesystem::exists(path / "test.json", ec)) {
      // A stored run: every checker its workload names, results.json rewritten.
      auto results = runner::check_run_dir(path);
      if (!results.ok()) return fail(results.error().message);
      std::cout << results->summary << "verdict: " << checkers::to_string(results->verdict) << "\n"
                << std::flush;
      return checkers::exit_code(results->verdict);
    }
    // A directory with just a history.
    path /= "history.jsonl";
  }
  auto result = lin::check_file(path, *format, options);
  if (!result.ok()) return fail(result.error().message);
  std::cout << lin::describe(*result) << std::flush;
  if (!a.json_out.empty()) {
    std::ofstream out(a.json_out);
    out << lin::to_json(*result).dump(2) << "\n";
    if (!out) return fail(a.json_out + ": cannot write the JSON result");
  }
  return checkers::exit_code(result->verdict);
}

}  // namespace

void add_check_command(CLI::App& app, std::function<int()>* run) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Check a history for linearizability. Exit 0 valid, 1 invalid, 2 unknown, 3 error.\n"
      "Semantics (Jepsen's): fail ops did not happen; info ops and invokes that never\n"
      "complete may take effect once at any time after their invoke, or never.");
  cmd->add_option("history", args->path, "History file (.jsonl or Jepsen .edn) or run directory")
      ->required();
  cmd->add_option("--model", args->model,
                  "register | cas-register | kv | multi-register | mutex | auto")
      ->capture_default_str();
  cmd->add_option("--initial", args->initial,
                  "Initial value as JSON: 0, null, \"\", {\"x\":0,\"y\":0} (default null)");
  cmd->add_option("--format", args->format, "auto | jsonl | edn")->capture_default_str();
  cmd->add_option("--json", args->json_out, "Also write the result as JSON to this file");
  cmd->add_option("--nil-read", args->nil_read,
                  "What an ok read of nil means: unknown (Knossos) or absent (etcd-style)")
      ->check(CLI::IsMember({"unknown", "absent"}))
      ->capture_default_str();
  cmd->add_option("--time-limit", args->time_limit_s,
                  "Seconds before unfinished keys end as unknown (0: none)")
      ->capture_default_str();
  cmd->add_option("--memory-limit", args->memory_limit_mb,
                  "MiB of search state before unfinished keys end as unknown")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Worker threads (0: every core)")
      ->capture_default_str();
  cmd->callback([args, run] { *run = [args] { return run_check(*args); }; });
}

}  // namespace faultline::harness
