#pragma once
// The store: every run gets store/<test-name>/<UTC timestamp>/ (test.json,
// history.jsonl, results.json, node logs under nK/), and store/latest points at the
// newest run (a relative symlink, so the store can be moved). Harness layer; one run
// at a time per store.

#include <filesystem>

#include "base/result.h"

namespace faultline::harness::runner {

// Creates the run directory (a fresh name: a timestamp to the millisecond, with a
// suffix if that exists) and points store/latest and store/<test>/latest at it.
base::Result<std::filesystem::path> create_run_dir(const std::filesystem::path& store,
                                                   const std::string& test_name);

}  // namespace faultline::harness::runner
