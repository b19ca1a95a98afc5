#pragma once
// store/index.html: every run of the store, newest first — test, time, duration, verdict
// per checker, op counts, link to its report — filterable by target, workload and
// verdict, with a pass/fail trend per test across runs. Self-contained (inline styles and
// script). Rebuilt from the run directories (test.json, results.json) each time, so it
// is never out of step. Thread-safe per store (one writer at a time).

#include <filesystem>

#include "base/result.h"

namespace faultline::reports::publish {

// Scans store/<test>/<time>/ and writes store/index.html (temporary file + rename).
// Run directories without results.json are listed as incomplete. Errors name the path.
base::Status write_store_index(const std::filesystem::path& store);

}  // namespace faultline::reports::publish
