#pragma once
// Checking a stored run: reads test.json (which workload, hence which checkers) and
// history.jsonl, runs every checker the workload names — linearizability per key
// (register), lost commits (set), 2PC atomicity (bank), stats (all) — plus, for a run
// directory, the target's log patterns over the node logs (checkers/logs), and writes
// results.json with each checker's verdict and details. The run's verdict is invalid if any checker says
// invalid, else unknown if any says unknown, else valid (exit 0/1/2). Used by
// `faultline run` after each test and by `faultline check RUNDIR`. Harness layer.

#include <filesystem>
#include <string>

#include "base/result.h"
#include "checkers/verdict.h"
#include "harness/runner/config.h"
#include "history/op.h"

namespace faultline::harness::runner {

struct RunResults {
  checkers::Verdict verdict = checkers::Verdict::Unknown;
  history::Value json;   // what results.json holds
  std::string summary;   // a few human lines per checker
};

// Checks `history` as `config`'s workload says. Errors: a malformed history (naming
// the line), a workload without checkers.
base::Result<RunResults> check_history(const RunConfig& config,
                                       const std::vector<history::Op>& history,
                                       const std::vector<std::string>& warnings);

// check_history on <dir>/history.jsonl with <dir>/test.json's config, then writes
// <dir>/results.json. Errors name the file.
base::Result<RunResults> check_run_dir(const std::filesystem::path& dir);

}  // namespace faultline::harness::runner
