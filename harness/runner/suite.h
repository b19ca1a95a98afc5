#pragma once
// A suite: the nightly list of tests (`faultline suite FILE`), run one after another,
// never stopping at a failure. FILE is JSON:
//   {"name": "nightly",
//    "tests": [{"workload": "register", "nemesis": "partition,kill", "time_limit": 60,
//               "count": 2, "bug": ["stale-read"], "read_mode": "lease"}, ...]}
// A test sets any RunConfig field by its test.json name (config.h to_json: "time_limit_s",
// "bugs", ...); "-" may be written for "_", and the CLI's short names are accepted
// ("time_limit", "nemesis_interval", "call_timeout", "check_time_limit", "bug", "nodes",
// "subnet"). "count" runs the test N times (seeds S, S+1, ...). Unknown fields are
// errors. A test without "test_name" is named for what it does, so its trend in the
// store index is its own: "raft-register-partition+kill-stale-read-lease".
// Each run's results.xml is written; the aggregate goes to
// store/suites/<name>/<UTC time>/ (suite.json, results.xml) and store/index.html is
// regenerated. Harness layer.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "harness/runner/config.h"
#include "harness/runner/runner.h"
#include "history/op.h"

namespace faultline::harness::runner {

struct SuiteTest {
  RunConfig config;  // `defaults` with the test's fields applied
  int count = 1;
};

struct Suite {
  std::string name;
  std::vector<SuiteTest> tests;
};

// Every test starts from `defaults` (the command line's global options: store, nodes
// file, cluster state dir, subnet, SSH settings); "store" cannot be set per test. Each
// test's config is validated. Errors name the test ("tests[2]") and the field.
base::Result<Suite> parse_suite(const history::Value& json, const RunConfig& defaults);
// parse_suite on a file; its name defaults to the file's stem. Errors name the file.
base::Result<Suite> load_suite(const std::filesystem::path& file, const RunConfig& defaults);

struct SuiteRun {
  size_t test = 0;  // index into Suite::tests
  uint64_t seed = 0;
  TestOutcome outcome;
};

struct SuiteOutcome {
  int exit_code = 3;  // the worst of all runs (runner.h worse_exit)
  std::filesystem::path dir;       // store/suites/<name>/<time>/ (empty if not made)
  std::vector<SuiteRun> runs;
  int not_run = 0;                 // runs skipped after SIGINT/SIGTERM
  std::vector<std::string> warnings;  // publishing problems (never change exit_code)
};

// Runs one test of a suite; run_test in `faultline suite`, a fake in tests.
using RunOne = std::function<TestOutcome(const RunConfig&)>;

// Runs every test `count` times with `run_one` (seed 0 is drawn from the clock, then
// recorded), writes each run's results.xml, the suite's directory under `store` and
// the store index. Once `interrupted` is set no
// further run starts, and the suite's exit code is at best 2 (unknown).
SuiteOutcome run_suite(const Suite& suite, const std::filesystem::path& store, const RunOne& run_one,
                       const std::atomic<bool>& interrupted);

}  // namespace faultline::harness::runner
