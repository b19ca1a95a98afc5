#pragma once
// The subcommands of `faultline`. Each registers its options on the CLI11 app and
// returns the exit code when run: 0 valid, 1 invalid, 2 unknown, 3 error. Exceptions
// may be thrown by the harness layer; main() turns them into exit code 3.

#include <CLI/CLI.hpp>
#include <functional>

#include "harness/runner/config.h"

namespace faultline::harness {

// Adds `check` to `app`; `*run` is set to the function that runs it once parsed.
void add_check_command(CLI::App& app, std::function<int()>* run);

// Adds `cluster` (up, down, status, ssh: the local cluster of namespaces with sshd).
void add_cluster_command(CLI::App& app, std::function<int()>* run);

// Adds `nemesis` (run: a nemesis schedule alone against a cluster, always healed).
void add_nemesis_command(CLI::App& app, std::function<int()>* run);

// Adds `run` (the main job: a test on a cluster, from setup to verdict).
void add_run_command(CLI::App& app, std::function<int()>* run);

// Adds `serve` (the store, read-only over HTTP on 127.0.0.1, until SIGINT/SIGTERM).
void add_serve_command(CLI::App& app, std::function<int()>* run);

// Adds `suite` (the nightly job: a list of tests, their JUnit XML and the store index).
void add_suite_command(CLI::App& app, std::function<int()>* run);

// Adds `report` (regenerate the report of a stored run).
void add_report_command(CLI::App& app, std::function<int()>* run);

inline constexpr int kExitError = 3;

// The options `run` and `suite` share: where runs are stored and which cluster they use
// (--store, --nodes-file and its SSH defaults, the local cluster's --nodes, --subnet,
// --state-dir, and --target-binary).
void add_cluster_run_options(CLI::App* cmd, runner::RunConfig& c);

}  // namespace faultline::harness
