// `faultline report RUNDIR`: regenerates a stored run's report — plots, report.html,
// results.xml and the store's index.html — from its test.json, history.jsonl and
// results.json (run `faultline check RUNDIR` first to refresh the verdicts). Exit 0 when
// the report was written, with any warnings printed; 3 when RUNDIR is not a run.

#include <cstdio>
#include <filesystem>

#include "harness/cli/commands.h"
#include "harness/runner/report_run.h"

namespace faultline::harness {

void add_report_command(CLI::App& app, std::function<int()>* run) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Regenerate the report of a stored run: plots, report.html, results.xml, store index.");
  cmd->add_option("rundir", *dir, "Run directory (store/<test>/<time>/)")->required();
  cmd->callback([dir, run] {
    *run = [dir] {
      const std::filesystem::path path = *dir;
      if (!std::filesystem::exists(path / "test.json")) {
        std::fprintf(stderr, "error: %s: not a run directory (no test.json)\n", dir->c_str());
        return kExitError;
      }
      for (const auto& w : runner::write_run_report(path)) std::fprintf(stderr, "warning: %s\n", w.c_str());
      std::printf("%s\n", (path / "report.html").c_str());
      return 0;
    };
  });
}

}  // namespace faultline::harness
