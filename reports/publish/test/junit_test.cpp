// JUnit XML of runs (reports/publish/junit.h): one testcase per checker, failures with
// the anomaly summary, and a document that a real XML parser (Python's minidom) reads
// back with every hostile value intact.

#include "reports/publish/junit.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "reports/publish/test/fake_store.h"

namespace faultline::reports::publish {
namespace {

using namespace testing;

// Parses `xml` with Python's minidom and returns what it found as JSON:
// {"suites":[name...], "cases":[{"classname","name","kind","message"}...]}.
// Null when python3 is not there (the caller skips).
Value parse_with_python(const std::string& xml) {
  TempDir dir("junit-xml");
  const auto file = dir.path() / "results.xml";
  const auto script = dir.path() / "parse.py";
  std::ofstream(file, std::ios::binary) << xml;
  std::ofstream(script) << R"py(
import json, sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
out = {"suites": [s.getAttribute("name") for s in doc.getElementsByTagName("testsuite")], "cases": []}
for c in doc.getElementsByTagName("testcase"):
    kind, message, text = "pass", "", ""
    for k in ("failure", "error", "skipped"):
        els = c.getElementsByTagName(k)
        if els:
            kind, message = k, els[0].getAttribute("message")
            text = "".join(n.data for n in els[0].childNodes if n.nodeType == n.TEXT_NODE)
    out["cases"].append({"classname": c.getAttribute("classname"), "name": c.getAttribute("name"),
                         "kind": kind, "message": message, "text": text})
print(json.dumps(out))
)py";
  const std::string command = "python3 " + script.string() + " " + file.string() + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string output;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) output.append(buf, n);
  const int status = ::pclose(pipe);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return nullptr;  // no python3
  EXPECT_EQ(status, 0) << "python could not parse the XML:\n" << output << "\n" << xml;
  try {
    return Value::parse(output);
  } catch (const std::exception&) {
    ADD_FAILURE() << output;
    return Value::object();
  }
}

TEST(JUnitCases, ValidRunHasOnePassingCasePerChecker) {
  const auto cases = junit_cases(test_json("raft-register", "register"), valid_register_results(), 42.5);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].checker, "linearizable");
  EXPECT_EQ(cases[1].checker, "stats");
  for (const auto& c : cases) {
    EXPECT_EQ(c.test, "raft-register");
    EXPECT_EQ(c.verdict, "valid");
    EXPECT_TRUE(c.message.empty());
  }
  EXPECT_DOUBLE_EQ(cases[0].seconds, 42.5);  // the run's time, once
  EXPECT_DOUBLE_EQ(cases[1].seconds, 0);
}

TEST(JUnitCases, NonLinearizableRunNamesTheFailedOpAndKey) {
  const auto cases = junit_cases(test_json("raft-register", "register"), invalid_register_results(), 1);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].verdict, "invalid");
  EXPECT_NE(cases[0].message.find("key k7"), std::string::npos) << cases[0].message;
  EXPECT_NE(cases[0].message.find("#23 process 6 ok read 0 (line 24-36)"), std::string::npos) << cases[0].message;
  EXPECT_NE(cases[0].message.find("1 of 8 keys invalid"), std::string::npos) << cases[0].message;
  EXPECT_NE(cases[0].details.find("state before it: 3"), std::string::npos) << cases[0].details;
}

TEST(JUnitCases, LostCommitsCarryTheirCounts) {
  const auto cases = junit_cases(test_json("raft-set", "set"), lost_set_results(), 1);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].checker, "set");
  EXPECT_EQ(cases[0].message, "lost commits: 2 lost, 3 stale_reads (of 563 acknowledged adds)");
  EXPECT_NE(cases[0].details.find("lost 2: [41, 42]"), std::string::npos) << cases[0].details;
}

TEST(JUnitCases, UnknownCheckerGivesItsReason) {
  Value r = valid_register_results();
  r["linearizable"]["verdict"] = "unknown";
  r["linearizable"]["problems"] = Value::array({Value{{"key", "k1"}, {"verdict", "unknown"}, {"reason", "time limit"}, {"steps", 9}}});
  const auto cases = junit_cases(test_json("t", "register"), r, 1);
  EXPECT_EQ(cases[0].verdict, "unknown");
  EXPECT_NE(cases[0].message.find("key k1: unknown (time limit) after 9 search steps"), std::string::npos)
      << cases[0].message;
}

TEST(JUnitCases, HarnessErrorAndMissingResultsAreErrors) {
  auto cases = junit_cases(test_json("t", "register"), nullptr, 3);
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].checker, "harness");
  EXPECT_EQ(cases[0].verdict, "error");
  EXPECT_DOUBLE_EQ(cases[0].seconds, 3);

  cases = junit_cases(test_json("t", "register"), valid_register_results(), 3, "node n2: ssh: timeout");
  ASSERT_EQ(cases.size(), 3u);
  EXPECT_EQ(cases[2].checker, "harness");
  EXPECT_EQ(cases[2].message, "node n2: ssh: timeout");
}

TEST(JUnitXml, ParsesWithExpectedTestcasesAndFailures) {
  std::vector<JUnitCase> all = junit_cases(test_json("raft-register", "register"), invalid_register_results(), 10);
  for (auto c : junit_cases(test_json("raft-set", "set"), lost_set_results(), 5, "teardown: n3 unreachable")) {
    c.run = "seed 8";
    all.push_back(c);
  }
  const std::string xml = junit_xml("nightly", all);
  EXPECT_NE(xml.find("<testsuite name=\"nightly\" tests=\"5\" failures=\"2\" errors=\"1\" skipped=\"0\" time=\"15.000\">"),
            std::string::npos)
      << xml;
  const Value parsed = parse_with_python(xml);
  if (parsed.is_null()) GTEST_SKIP() << "python3 not available";
  EXPECT_EQ(parsed["suites"], Value::array({"nightly"}));
  ASSERT_EQ(parsed["cases"].size(), 5u);
  const Value& c = parsed["cases"];
  EXPECT_EQ(c[0]["classname"], "raft-register");
  EXPECT_EQ(c[0]["name"], "linearizable");
  EXPECT_EQ(c[0]["kind"], "failure");
  EXPECT_NE(c[0]["message"].get<std::string>().find("key k7"), std::string::npos);
  EXPECT_EQ(c[1]["kind"], "pass");
  EXPECT_EQ(c[2]["name"], "set [seed 8]");
  EXPECT_EQ(c[2]["kind"], "failure");
  EXPECT_EQ(c[4]["name"], "harness [seed 8]");
  EXPECT_EQ(c[4]["kind"], "error");
  EXPECT_EQ(c[4]["message"], "teardown: n3 unreachable");
}

TEST(JUnitXml, HostileValuesSurviveAParser) {
  JUnitCase c;
  c.test = "<script>alert(\"x\")</script>'&";
  c.checker = "set";
  c.verdict = "invalid";
  c.message = "lost \"a\" & <b>\nsecond line\x01\x1b";
  c.details = "]]> <!-- \x7f \x0c \xff";
  const std::string xml = junit_xml("s\"<>", {c});
  EXPECT_EQ(xml.find("<script>"), std::string::npos);
  for (char ch : xml)
    EXPECT_FALSE(static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t' && ch != '\r')
        << "raw control character " << static_cast<int>(ch);
  const Value parsed = parse_with_python(xml);
  if (parsed.is_null()) GTEST_SKIP() << "python3 not available";
  EXPECT_EQ(parsed["suites"], Value::array({"s\"<>"}));
  EXPECT_EQ(parsed["cases"][0]["classname"], c.test);
  EXPECT_EQ(parsed["cases"][0]["message"], "lost \"a\" & <b>\nsecond line\\x01\\x1B");
  EXPECT_EQ(parsed["cases"][0]["text"], "]]> <!-- \x7f \\x0C \xEF\xBF\xBD");
}

}  // namespace
}  // namespace faultline::reports::publish
