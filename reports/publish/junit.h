#pragma once
// JUnit XML for CI servers (Jenkins, GitLab, GitHub): one <testcase> per test and
// checker, a <failure> carrying the anomaly summary for an invalid checker, <error> for a
// harness error, <skipped> for unknown. Pure functions; thread-safe.

#include <string>
#include <vector>

#include "history/op.h"

namespace faultline::reports::publish {

struct JUnitCase {
  std::string test;     // the run's test name ("raft-register")
  std::string checker;  // "linearizable", "set", "stats", or "harness"
  std::string verdict;  // valid | invalid | unknown | error
  std::string message;  // for invalid/unknown/error: one line
  std::string details;  // longer text (counterexample summary)
  double seconds = 0;
};

// The cases of one run from its test.json and results.json.
std::vector<JUnitCase> junit_cases(const history::Value& test, const history::Value& results,
                                   double seconds);
// A <testsuites> document with one <testsuite name=suite>. Every text is XML-escaped.
std::string junit_xml(const std::string& suite, const std::vector<JUnitCase>& cases);

}  // namespace faultline::reports::publish
