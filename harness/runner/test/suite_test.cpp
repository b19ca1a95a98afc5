// `faultline suite` without a cluster (harness/runner/suite.h): the suite file's rules,
// and a suite run with a fake runner — it keeps going after failures and writes the
// aggregate (suite.json, results.xml), every run's results.xml and the store index.

#include "harness/runner/suite.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness/runner/store.h"
#include "reports/publish/test/fake_store.h"

namespace faultline::harness::runner {
namespace {

namespace fs = std::filesystem;
using history::Value;
using reports::publish::testing::TempDir;

Suite parse_or_fail(const std::string& text, const RunConfig& defaults = {}) {
  auto suite = parse_suite(Value::parse(text), defaults);
  if (!suite.ok()) {
    ADD_FAILURE() << suite.error().message;
    return {};
  }
  return *suite;
}

std::string error_of(const std::string& text) {
  auto suite = parse_suite(Value::parse(text), RunConfig{});
  return suite.ok() ? std::string("(parsed)") : suite.error().message;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(SuiteFile, TestsSetConfigFieldsByTheirTestJsonNamesOrShortNames) {
  const Suite s = parse_or_fail(R"({"name": "nightly", "tests": [
      {"workload": "register", "nemesis": ["partition", "kill"], "time_limit": 60, "count": 2,
       "bug": "stale-read", "read_mode": "lease"},
      {"workload": "set", "time_limit_s": 30.5, "nemesis-interval": 2, "test_name": "sets", "keys": 3}]})");
  EXPECT_EQ(s.name, "nightly");
  ASSERT_EQ(s.tests.size(), 2u);
  const RunConfig& a = s.tests[0].config;
  EXPECT_EQ(s.tests[0].count, 2);
  EXPECT_EQ(a.workload, "register");
  EXPECT_EQ(a.nemesis, "partition,kill");
  EXPECT_DOUBLE_EQ(a.time_limit_s, 60);
  EXPECT_EQ(a.bugs, std::vector<std::string>{"stale-read"});
  EXPECT_EQ(a.read_mode, "lease");
  EXPECT_EQ(a.name(), "raft-register-partition+kill-stale-read-lease");
  const RunConfig& b = s.tests[1].config;
  EXPECT_EQ(s.tests[1].count, 1);
  EXPECT_EQ(b.name(), "sets");
  EXPECT_DOUBLE_EQ(b.time_limit_s, 30.5);
  EXPECT_DOUBLE_EQ(b.nemesis_interval_s, 2);
  EXPECT_EQ(b.keys, 3);
}

TEST(SuiteFile, GlobalOptionsReachEveryTest) {
  RunConfig defaults;
  defaults.store = "/srv/store";
  defaults.nodes_file = "nodes.json";
  defaults.cluster_state_dir = "/run/fl";
  defaults.local_subnet = "10.77.200.0/24";
  defaults.ssh_key = "id_ed25519";
  const Suite s = parse_or_fail(R"({"tests": [{"workload": "set"}, {"workload": "set", "subnet": "10.77.201.0/24"}]})",
                                defaults);
  ASSERT_EQ(s.tests.size(), 2u);
  for (const auto& t : s.tests) {
    EXPECT_EQ(t.config.store, "/srv/store");
    EXPECT_EQ(t.config.nodes_file, "nodes.json");
    EXPECT_EQ(t.config.cluster_state_dir, "/run/fl");
    EXPECT_EQ(t.config.ssh_key, "id_ed25519");
  }
  EXPECT_EQ(s.tests[0].config.local_subnet, "10.77.200.0/24");
  EXPECT_EQ(s.tests[1].config.local_subnet, "10.77.201.0/24");
}

TEST(SuiteFile, MistakesAreErrorsNamingTheTestAndField) {
  EXPECT_NE(error_of(R"({"tests": [{"workload": "set"}, {"time_limt": 5}]})")
                .find("tests[1]: unknown field \"time_limt\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"tests": [{"time_limit": "long"}]})").find("tests[0]: \"time_limit\" must be number"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"tests": [{"workload": "bank"}]})").find("tests[0]: --workload: unknown workload"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"tests": [{"store": "/tmp/x"}]})").find("\"store\" is global"), std::string::npos);
  EXPECT_NE(error_of(R"({"tests": [{"count": 0}]})").find("\"count\" must be an integer"), std::string::npos);
  EXPECT_NE(error_of(R"({"tests": []})").find("non-empty list"), std::string::npos);
  EXPECT_NE(error_of(R"({"tests": [{}], "nme": "x"})").find("unknown field \"nme\""), std::string::npos);
}

// A fake runner: a run directory like the runner's, valid for even seeds and invalid for
// odd ones; seed 100 fails before making a directory.
TestOutcome fake_run(const RunConfig& config) {
  TestOutcome o;
  if (config.seed == 100) {
    o.exit_code = 3;
    o.error = "local cluster: <no sshd> \"n1\"";
    return o;
  }
  auto dir = create_run_dir(config.store, config.name());
  if (!dir.ok()) throw std::runtime_error(dir.error().message);
  o.dir = *dir;
  const Value test = {{"config", to_json(config)}, {"started", 1796188102}};
  reports::publish::testing::write_json(o.dir / "test.json", test);
  const bool valid = config.seed % 2 == 0;
  reports::publish::testing::write_json(o.dir / "results.json",
                                        valid ? reports::publish::testing::valid_register_results()
                                              : reports::publish::testing::invalid_register_results());
  o.exit_code = valid ? 0 : 1;
  return o;
}

TEST(SuiteRun, KeepsGoingAfterFailuresAndWritesTheAggregate) {
  TempDir store("suite-run");
  RunConfig defaults;
  defaults.store = store.path().string();
  const Suite suite = parse_or_fail(R"({"name": "nightly", "tests": [
      {"workload": "register", "seed": 2, "count": 2},
      {"workload": "register", "seed": 100, "test_name": "broken"},
      {"workload": "register", "seed": 4, "nemesis": "kill"}]})",
                                    defaults);
  std::atomic<bool> interrupted{false};
  const SuiteOutcome out = run_suite(suite, store.path(), fake_run, interrupted);
  EXPECT_EQ(out.exit_code, 3);  // the worst: the harness error of "broken"
  ASSERT_EQ(out.runs.size(), 4u);
  EXPECT_EQ(out.not_run, 0);
  EXPECT_TRUE(out.warnings.empty()) << out.warnings.front();
  EXPECT_EQ(out.dir.parent_path(), store.path() / "suites" / "nightly");

  const Value aggregate = Value::parse(read_file(out.dir / "suite.json"));
  EXPECT_EQ(aggregate["exit_code"], 3);
  ASSERT_EQ(aggregate["tests"].size(), 3u);
  const Value& first = aggregate["tests"][0];
  EXPECT_EQ(first["test_name"], "raft-register");
  EXPECT_EQ(first["exit_code"], 1);
  ASSERT_EQ(first["runs"].size(), 2u);
  EXPECT_EQ(first["runs"][0]["seed"], 2);
  EXPECT_EQ(first["runs"][0]["exit_code"], 0);
  EXPECT_EQ(first["runs"][1]["seed"], 3);
  EXPECT_EQ(first["runs"][1]["verdict"], "invalid");
  const std::string run_dir = first["runs"][1]["dir"];
  EXPECT_EQ(run_dir.rfind("raft-register/", 0), 0u) << run_dir;  // relative to the store
  EXPECT_TRUE(fs::exists(store.path() / run_dir / "results.xml"));
  EXPECT_EQ(aggregate["tests"][1]["runs"][0]["dir"], "");
  EXPECT_EQ(aggregate["tests"][2]["test_name"], "raft-register-kill");

  const std::string xml = read_file(out.dir / "results.xml");
  EXPECT_NE(xml.find("tests=\"7\" failures=\"1\" errors=\"1\" skipped=\"0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"linearizable [seed 3]\""), std::string::npos);
  EXPECT_NE(xml.find("<error message=\"local cluster: &lt;no sshd&gt; &quot;n1&quot;\" type=\"error\"/>"),
            std::string::npos)
      << xml;

  const std::string index = read_file(store.path() / "index.html");
  EXPECT_NE(index.find("3 runs, 1 invalid, 0 incomplete"), std::string::npos);
  EXPECT_NE(index.find("suites/nightly/"), std::string::npos);
}

TEST(SuiteRun, InterruptedSuiteStartsNoFurtherRun) {
  TempDir store("suite-interrupted");
  RunConfig defaults;
  defaults.store = store.path().string();
  const Suite suite = parse_or_fail(R"({"name": "n", "tests": [{"seed": 2, "count": 3}, {"seed": 6}]})", defaults);
  std::atomic<bool> interrupted{false};
  const SuiteOutcome out = run_suite(
      suite, store.path(),
      [&](const RunConfig& c) {
        interrupted = true;  // as if SIGINT came during the first run
        return fake_run(c);
      },
      interrupted);
  EXPECT_EQ(out.runs.size(), 1u);
  EXPECT_EQ(out.not_run, 3);
  EXPECT_EQ(out.exit_code, 2);  // the one run was valid, but the suite is not complete
  const Value aggregate = Value::parse(read_file(out.dir / "suite.json"));
  EXPECT_EQ(aggregate["interrupted"], true);
  EXPECT_EQ(aggregate["not_run"], 3);
}

}  // namespace
}  // namespace faultline::harness::runner
