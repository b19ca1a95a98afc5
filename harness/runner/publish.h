#pragma once
// Publishing a stored run for CI and the nightly index: results.xml (JUnit) in the run
// directory from its test.json and results.json, and store/index.html regenerated. Called
// by the runner after each check and by `faultline suite`. A publishing failure (a full
// disk, a broken file) never changes a verdict: it comes back as a warning. Harness
// layer; one writer per store at a time is expected (concurrent ones are safe, the last
// index wins).

#include <filesystem>
#include <string>
#include <vector>

namespace faultline::harness::runner {

// Writes <run_dir>/results.xml. `error` (the harness failed: exit 3) adds a "harness"
// error case. Returns warnings (each naming the file), empty on success.
std::vector<std::string> write_run_junit(const std::filesystem::path& run_dir, const std::string& error = {});

// write_run_junit, then <store>/index.html for the store holding `run_dir`
// (store/<test>/<time>/). Returns warnings, empty on success.
std::vector<std::string> publish_run(const std::filesystem::path& run_dir, const std::string& error = {});

}  // namespace faultline::harness::runner
