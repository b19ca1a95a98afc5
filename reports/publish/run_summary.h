#pragma once
// RunSummary: what the store index, JUnit XML and suites need to know about one stored
// run, read from its directory (store/<test>/<time>/: test.json, results.json). Reading
// never fails on a broken run: a missing or malformed file makes the run incomplete and
// adds a warning naming the file. Pure apart from reading the directory; thread-safe.

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "history/op.h"

namespace faultline::reports::publish {

struct RunSummary {
  std::filesystem::path dir;
  std::string test;      // test.json config.test_name, else the test directory's name
  std::string time;      // the run directory's name (a UTC timestamp, sortable)
  std::string target, workload, nemesis, read_mode;
  std::vector<std::string> bugs;
  uint64_t seed = 0;
  int64_t started = -1;     // test.json "started" (Unix seconds); -1 if unknown
  double duration_s = -1;   // results.json written minus started; else the history's span
  bool complete = false;    // results.json present and readable
  std::string verdict;      // valid | invalid | unknown | incomplete
  // checker -> verdict, in results.json order (sorted by checker name)
  std::vector<std::pair<std::string, std::string>> checkers;
  int64_t ops = 0, ok = 0, fail = 0, info = 0;  // client ops by outcome (stats)
  std::vector<std::string> warnings;            // results.json "warnings" + reading problems
  history::Value test_json;     // null if missing or malformed
  history::Value results_json;  // null if missing or malformed
};

// Reads `run_dir`. Never fails (see above).
RunSummary read_run(const std::filesystem::path& run_dir);

// "20261202T051226.375Z" -> "2026-12-02 05:12:26Z"; anything else is returned as is.
std::string display_time(const std::string& run_dir_name);

}  // namespace faultline::reports::publish
