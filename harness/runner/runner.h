#pragma once
// The runner: one `faultline run` test from a cluster to a verdict (DESIGN.md "The path
// of one run"). Phases, each with a deadline:
//   setup     local cluster up (unless a nodes file), SSH to every node, target setup
//   main      N client threads (processes bound to nodes round-robin) + the nemesis
//             thread, for the time limit; every op streams to history.jsonl
//   heal      the nemesis heals everything — also on an error, SIGINT or SIGTERM — before
//             the client threads are joined, so a client stuck on a paused node cannot
//             hold it up
//   quiesce, final reads (the workload's final ops, each until ok or the deadline)
//   teardown  node logs into the run dir, target stopped (unless --leave-running),
//             local cluster down (unless --leave-running)
//   check     the workload's checkers -> results.json
// Harness layer: may throw; run_tests() turns everything into an exit code.

#include <atomic>
#include <filesystem>
#include <string>

#include "checkers/verdict.h"
#include "harness/runner/config.h"

namespace faultline::harness::runner {

struct TestOutcome {
  int exit_code = 3;  // 0 valid, 1 invalid, 2 unknown, 3 harness or config error
  std::filesystem::path dir;  // the run directory (empty if none was made)
  std::string error;          // exit 3: why (names the node or file)
};

// Runs one test. `interrupted` is set by a signal handler (SIGINT/SIGTERM): the run then
// stops its clients and nemesis, heals, tears down and checks what it recorded; such a
// run is never valid (at best unknown).
TestOutcome run_test(const RunConfig& config, const std::atomic<bool>& interrupted);

// Runs `count` tests (seeds config.seed, +1, ...; a seed of 0 is drawn from the clock
// first), never stopping at the first failure, prints a line per test and returns the
// worst exit code (3 > 1 > 2 > 0).
int run_tests(RunConfig config, int count, const std::atomic<bool>& interrupted);

// Of two exit codes, the one that matters more: error, then invalid, then unknown.
int worse_exit(int a, int b);

}  // namespace faultline::harness::runner
