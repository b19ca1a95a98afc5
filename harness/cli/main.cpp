// faultline: Jepsen-style fault-injection testing for real clusters.
// Exit codes: 0 valid, 1 invalid (an anomaly was found), 2 unknown (a checker gave
// up), 3 harness or input error.

#include <cstdio>
#include <exception>
#include <functional>

#include "harness/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"faultline: fault-injection testing for real clusters, with a fast history checker"};
  app.require_subcommand(1);
  std::function<int()> run;
  faultline::harness::add_check_command(app, &run);
  faultline::harness::add_cluster_command(app, &run);
  faultline::harness::add_nemesis_command(app, &run);
  faultline::harness::add_run_command(app, &run);
  faultline::harness::add_report_command(app, &run);
  faultline::harness::add_serve_command(app, &run);
  faultline::harness::add_suite_command(app, &run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return faultline::harness::kExitError;
  }
  try {
    return run ? run() : faultline::harness::kExitError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return faultline::harness::kExitError;
  }
}
