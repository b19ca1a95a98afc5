#pragma once
// The report of a stored run: plots (gnuplot) into <run>/plots/, report.html beside
// history.jsonl, then results.xml and the store's index.html (publish.h). Called by the
// runner after each check and by `faultline report RUNDIR`. A report failure (no
// gnuplot, a full disk, a missing file) never changes a verdict or an exit code: it comes
// back as warnings, which are also added to results.json ("report_warnings") and which
// the caller prints. Harness layer.

#include <filesystem>
#include <string>
#include <vector>

namespace faultline::harness::runner {

// `error`: the run's harness error, if any (recorded in the JUnit XML).
std::vector<std::string> write_run_report(const std::filesystem::path& run_dir,
                                          const std::string& error = {});

}  // namespace faultline::harness::runner
