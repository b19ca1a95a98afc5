#pragma once
// JUnit XML for CI servers (Jenkins, GitLab, GitHub): one <testcase> per test and
// checker, a <failure type="invalid"> carrying the anomaly summary for an invalid
// checker, <error> for a harness error, <skipped> for unknown. Written as results.xml
// into every run directory (harness/runner/publish.h) and every suite directory. Pure
// functions; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "history/op.h"

namespace faultline::reports::publish {

struct JUnitCase {
  std::string test;     // the run's test name ("raft-register"): the testcase classname
  std::string checker;  // "linearizable", "set", "stats", or "harness"
  std::string run;      // which run of the test, in a suite ("seed 7"); empty for one run
  std::string verdict;  // valid | invalid | unknown | error
  std::string message;  // for invalid/unknown/error: one line
  std::string details;  // longer text (counterexample summary)
  double seconds = 0;
};

// The cases of one run from its test.json and results.json: one per checker object in
// results.json (in its order). `seconds` (the run's wall time) goes on the first case,
// so a suite's total time is the sum of its runs. A non-empty `error` (the harness
// failed: exit 3) adds a "harness" case with that message; results that are not an
// object (no results.json: the run never reached its check) give a "harness" error too.
std::vector<JUnitCase> junit_cases(const history::Value& test, const history::Value& results,
                                   double seconds, std::string_view error = {});

// A <testsuites> document with one <testsuite name=suite> holding `cases` (testcase
// name = checker, plus " [run]" when run is set). Every text is XML-escaped, and
// characters XML 1.0 cannot carry are replaced (reports/publish/escape.h), so the
// document always parses.
std::string junit_xml(const std::string& suite, const std::vector<JUnitCase>& cases);

}  // namespace faultline::reports::publish
