// `faultline suite FILE`: the nightly job — a list of tests (harness/runner/suite.h) run
// one after another, never stopping at a failure; each run's results.xml, the suite's
// suite.json and results.xml under store/suites/<name>/<time>/, and store/index.html.
// Exit: the worst of all runs (3 > 1 > 2 > 0); 3 before any run for a bad suite file.
// SIGINT and SIGTERM only set a flag: the current run heals, tears down and checks what
// it recorded, and no further run starts.

#include <atomic>
#include <csignal>
#include <cstdio>

#include "harness/cli/commands.h"
#include "harness/runner/suite.h"

namespace faultline::harness {
namespace {

std::atomic<bool> g_suite_interrupted{false};
extern "C" void on_suite_signal(int) { g_suite_interrupted = true; }

struct SuiteArgs {
  std::string file;
  runner::RunConfig defaults;  // the global options every test starts from
};

int run_suite_command(const SuiteArgs& a) {
  auto suite = runner::load_suite(a.file, a.defaults);
  if (!suite.ok()) {
    std::fprintf(stderr, "error: %s\n", suite.error().message.c_str());
    return kExitError;
  }
  struct sigaction sa {};
  sa.sa_handler = on_suite_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  const auto run_one = [](const runner::RunConfig& config) {
    return runner::run_test(config, g_suite_interrupted);
  };
  return runner::run_suite(*suite, a.defaults.store, run_one, g_suite_interrupted).exit_code;
}

}  // namespace

void add_suite_command(CLI::App& app, std::function<int()>* run) {
  auto args = std::make_shared<SuiteArgs>();
  runner::RunConfig& c = args->defaults;
  CLI::App* cmd = app.add_subcommand(
      "suite",
      "Run a suite of tests (JSON: {\"name\":\"nightly\",\"tests\":[{\"workload\":\"register\",\n"
      "\"nemesis\":\"partition,kill\",\"time_limit\":60,\"count\":2,\"bug\":[\"stale-read\"]},...]};\n"
      "a test sets any field of test.json's config) one after another, never stopping at a\n"
      "failure. Writes store/suites/<name>/<time>/{suite.json,results.xml}, results.xml in\n"
      "every run and store/index.html. Exit: the worst run (3 error > 1 invalid > 2 unknown > 0).");
  cmd->add_option("file", args->file, "Suite file (JSON)")->required();
  add_cluster_run_options(cmd, c);
  cmd->callback([args, run] { *run = [args] { return run_suite_command(*args); }; });
}

}  // namespace faultline::harness
