#pragma once
// store/index.html: every run of the store, newest first — test, time, duration, verdict
// per checker, op counts, links to its report and results — filterable by target,
// workload and verdict, with a pass/fail trend per test across runs (a row of coloured
// squares, newest last) and the suites run into the store. Self-contained (inline
// styles and script, no CDN). Rebuilt from the run directories (test.json,
// results.json) each time, so it is never out of step. Every value is escaped.
// Thread-safe; concurrent writers of one store each write a whole page (temporary
// file + rename), the last one wins.

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "reports/publish/run_summary.h"

namespace faultline::reports::publish {

// A suite run into the store (store/suites/<name>/<time>/suite.json, written by
// `faultline suite`).
struct SuiteSummary {
  std::filesystem::path dir;
  std::string name, time;
  int exit_code = 3;
  int runs = 0;
};

struct StoreContents {
  std::vector<RunSummary> runs;      // newest first
  std::vector<SuiteSummary> suites;  // newest first
};

// Scans store/<test>/<time>/ (a directory holding test.json; symlinks such as
// "latest" are skipped) and store/suites/<name>/<time>/suite.json. Runs without
// results.json are incomplete. Unreadable entries are skipped, never an error.
StoreContents scan_store(const std::filesystem::path& store);

// The page for `contents` (links are relative to `store`).
std::string render_store_index(const StoreContents& contents, const std::filesystem::path& store);

// scan_store + render_store_index, written to store/index.html (temporary file +
// rename). Errors name the path.
base::Status write_store_index(const std::filesystem::path& store);

}  // namespace faultline::reports::publish
