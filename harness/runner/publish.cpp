#include "harness/runner/publish.h"

#include <algorithm>

#include "base/atomic_file.h"
#include "reports/publish/junit.h"
#include "reports/publish/run_summary.h"
#include "reports/publish/store_index.h"

namespace faultline::harness::runner {

namespace fs = std::filesystem;
namespace publish = reports::publish;

namespace {
// "store/t/20261202T050822.086Z/" -> without the trailing slash, so parent_path() and
// filename() mean the test and the run.
fs::path normal(const fs::path& dir) {
  fs::path d = dir.lexically_normal();
  return d.has_filename() ? d : d.parent_path();
}
}  // namespace

std::vector<std::string> write_run_junit(const fs::path& dir, const std::string& error) {
  const fs::path run_dir = normal(dir);
  const publish::RunSummary run = publish::read_run(run_dir);
  const auto cases = publish::junit_cases(run.test_json, run.results_json, std::max(0.0, run.duration_s), error);
  if (auto s = base::write_file_atomically(run_dir / "results.xml", publish::junit_xml(run.test, cases)); !s.ok())
    return {s.error().message};
  return {};
}

std::vector<std::string> publish_run(const fs::path& run_dir, const std::string& error) {
  std::vector<std::string> warnings = write_run_junit(run_dir, error);
  if (auto s = publish::write_store_index(normal(run_dir).parent_path().parent_path()); !s.ok())
    warnings.push_back(s.error().message);
  return warnings;
}

}  // namespace faultline::harness::runner
