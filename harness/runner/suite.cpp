#include "harness/runner/suite.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include "base/random.h"
#include "harness/runner/publish.h"
#include "harness/runner/store.h"
#include "base/atomic_file.h"
#include "reports/publish/junit.h"
#include "reports/publish/run_summary.h"
#include "reports/publish/store_index.h"

namespace faultline::harness::runner {

namespace fs = std::filesystem;
using history::Value;

namespace {

// The CLI's names for test.json fields.
const std::map<std::string, std::string> kAliases = {
    {"time_limit", "time_limit_s"},         {"nemesis_interval", "nemesis_interval_s"},
    {"call_timeout", "call_timeout_s"},     {"check_time_limit", "check_time_limit_s"},
    {"quiesce", "quiesce_s"},               {"final_timeout", "final_timeout_s"},
    {"bug", "bugs"},                        {"nodes", "local_nodes"},
    {"subnet", "local_subnet"},             {"name", "test_name"},
};

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

// "partition,kill" + ["stale-read"] -> "raft-register-partition+kill-stale-read".
std::string default_name(const RunConfig& c) {
  std::string name = c.target + "-" + c.workload;
  std::string nemesis = c.nemesis;
  for (char& ch : nemesis)
    if (ch == ',') ch = '+';
  if (!nemesis.empty()) name += "-" + nemesis;
  if (!c.bugs.empty()) name += "-" + join(c.bugs, "+");
  if (c.read_mode != RunConfig{}.read_mode) name += "-" + c.read_mode;
  return name;
}

base::Result<SuiteTest> parse_test(const Value& spec, const RunConfig& defaults, const std::string& where) {
  auto bad = [&](const std::string& what) { return base::Error{where + ": " + what}; };
  if (!spec.is_object()) return bad("expected an object of RunConfig fields");
  Value merged = to_json(defaults);
  merged.erase("test_name");  // a suite's test is named by its own fields
  SuiteTest test;
  bool named = false;
  for (const auto& [raw_key, raw_value] : spec.items()) {
    std::string key = raw_key;
    for (char& ch : key)
      if (ch == '-') ch = '_';
    if (auto a = kAliases.find(key); a != kAliases.end()) key = a->second;
    Value value = raw_value;
    if (key == "count") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 10000)
        return bad("\"count\" must be an integer from 1 to 10000");
      test.count = value.get<int>();
      continue;
    }
    if (key == "store") return bad("\"store\" is global: give it on the command line (--store)");
    if (!merged.contains(key) && key != "test_name") {
      std::vector<std::string> known = {"count", "test_name"};
      for (const auto& item : merged.items()) known.push_back(item.key());
      return bad("unknown field \"" + raw_key + "\" (known: " + join(known, ", ") + ")");
    }
    // A single bug as a string, and fault or topology lists as arrays, are fine too.
    if (key == "bugs" && value.is_string()) value = Value::array({value});
    if ((key == "nemesis" || key == "nemesis_topologies") && value.is_array()) {
      std::vector<std::string> parts;
      for (const auto& v : value) {
        if (!v.is_string()) return bad("\"" + raw_key + "\" must be a string or a list of strings");
        parts.push_back(v.get<std::string>());
      }
      value = join(parts, ",");
    }
    if (key == "test_name" ? !value.is_string()
                           : merged.at(key).type() != value.type() && !(merged.at(key).is_number() && value.is_number()))
      return bad("\"" + raw_key + "\" must be " +
                 std::string(key == "test_name" ? "string" : merged.at(key).type_name()) + ", got " +
                 history::to_text(value));
    merged[key] = value;
    named = named || key == "test_name";
  }
  auto config = config_from_json(merged);
  if (!config.ok()) return bad(config.error().message);
  test.config = *config;
  // What config_from_json leaves out (it reads test.json for `faultline check`, which
  // needs no cluster settings), and what test.json does not hold at all.
  merged.at("quiesce_s").get_to(test.config.quiesce_s);
  merged.at("final_timeout_s").get_to(test.config.final_timeout_s);
  merged.at("local_subnet").get_to(test.config.local_subnet);
  merged.at("leave_running").get_to(test.config.leave_running);
  test.config.ssh_user = defaults.ssh_user;
  test.config.ssh_key = defaults.ssh_key;
  test.config.known_hosts = defaults.known_hosts;
  test.config.accept_new_host_keys = defaults.accept_new_host_keys;
  test.config.cluster_state_dir = defaults.cluster_state_dir;
  test.config.store = defaults.store;
  test.config.target_binary = defaults.target_binary;
  if (!named) test.config.test_name = default_name(test.config);
  if (test.config.name() == "suites") return bad("the test name \"suites\" is the store's folder of suites");
  if (auto s = validate(test.config); !s.ok()) return bad(s.error().message);
  return test;
}

std::string exit_word(int code) {
  switch (code) {
    case 0: return "valid";
    case 1: return "invalid";
    case 2: return "unknown";
    default: return "error";
  }
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

base::Result<Suite> parse_suite(const Value& json, const RunConfig& defaults) {
  if (!json.is_object()) return base::Error{"expected an object {\"name\": ..., \"tests\": [...]}"};
  Suite suite;
  for (const auto& [key, value] : json.items()) {
    if (key != "name" && key != "tests")
      return base::Error{"unknown field \"" + key + "\" (known: name, tests)"};
  }
  if (json.contains("name")) {
    if (!json.at("name").is_string()) return base::Error{"\"name\" must be a string"};
    suite.name = json.at("name").get<std::string>();
  }
  if (!json.contains("tests") || !json.at("tests").is_array() || json.at("tests").empty())
    return base::Error{"\"tests\" must be a non-empty list of tests"};
  const Value& tests = json.at("tests");
  for (size_t i = 0; i < tests.size(); ++i) {
    auto test = parse_test(tests[i], defaults, "tests[" + std::to_string(i) + "]");
    if (!test.ok()) return base::Error{test.error().message};
    suite.tests.push_back(std::move(*test));
  }
  return suite;
}

base::Result<Suite> load_suite(const fs::path& file, const RunConfig& defaults) {
  std::ifstream in(file);
  if (!in) return base::Error{file.string() + ": cannot read the suite file"};
  Value json;
  try {
    json = Value::parse(in);
  } catch (const std::exception& e) {
    return base::Error{file.string() + ": not JSON: " + e.what()};
  }
  auto suite = parse_suite(json, defaults);
  if (!suite.ok()) return base::Error{file.string() + ": " + suite.error().message};
  if (suite->name.empty()) suite->name = file.stem().string();
  const std::string& n = suite->name;
  if (n.empty() || n == "." || n == ".." || n.find('/') != std::string::npos)
    return base::Error{file.string() + ": \"name\" must be a file name (no '/')"};
  return suite;
}

SuiteOutcome run_suite(const Suite& suite, const fs::path& store, const RunOne& run_one,
                       const std::atomic<bool>& interrupted) {
  SuiteOutcome out;
  const int64_t started = unix_now();
  auto dir = create_run_dir(store / "suites", suite.name);
  if (!dir.ok()) {
    out.warnings.push_back(dir.error().message);
    std::fprintf(stderr, "error: %s\n", dir.error().message.c_str());
    return out;  // exit 3: without a store there is nowhere to put the runs either
  }
  out.dir = *dir;
  out.exit_code = 0;

  for (size_t t = 0; t < suite.tests.size(); ++t) {
    RunConfig config = suite.tests[t].config;
    if (config.seed == 0)
      config.seed = base::mix64(static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()));
    for (int i = 0; i < suite.tests[t].count; ++i) {
      if (interrupted) {
        ++out.not_run;
        continue;
      }
      RunConfig one = config;
      one.seed = config.seed + static_cast<uint64_t>(i);
      SuiteRun run{t, one.seed, {}};
      try {
        run.outcome = run_one(one);
      } catch (const std::exception& e) {
        run.outcome.exit_code = 3;
        run.outcome.error = e.what();
      }
      if (!run.outcome.dir.empty()) {
        for (auto& w : write_run_junit(run.outcome.dir, run.outcome.error)) out.warnings.push_back(std::move(w));
      }
      out.exit_code = worse_exit(out.exit_code, run.outcome.exit_code);
      std::string line = "[" + suite.name + "] " + one.name() + " seed " + std::to_string(one.seed) + ": " +
                         exit_word(run.outcome.exit_code) + " " + run.outcome.dir.string();
      if (!run.outcome.error.empty()) line += "\n  error: " + run.outcome.error;
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
      out.runs.push_back(std::move(run));
    }
  }
  if (out.not_run > 0) out.exit_code = worse_exit(out.exit_code, 2);

  // The aggregate: suite.json (run directories relative to the store, so the store can
  // move) and results.xml (every run's cases, labelled by seed).
  Value tests = Value::array();
  for (const auto& t : suite.tests) {
    tests.push_back({{"test_name", t.config.name()}, {"count", t.count}, {"config", to_json(t.config)},
                     {"exit_code", 0}, {"runs", Value::array()}});
  }
  std::vector<reports::publish::JUnitCase> cases;
  for (const auto& run : out.runs) {
    const TestOutcome& o = run.outcome;
    Value& t = tests[run.test];
    t["exit_code"] = worse_exit(t["exit_code"].get<int>(), o.exit_code);
    t["runs"].push_back({{"seed", run.seed},
                         {"dir", o.dir.empty() ? std::string() : o.dir.lexically_relative(store).string()},
                         {"exit_code", o.exit_code},
                         {"verdict", exit_word(o.exit_code)},
                         {"error", o.error}});
    Value test_json = {{"config", to_json(suite.tests[run.test].config)}};
    Value results_json;
    double seconds = 0;
    if (!o.dir.empty()) {
      auto summary = reports::publish::read_run(o.dir);
      if (summary.test_json.is_object()) test_json = summary.test_json;
      results_json = summary.results_json;
      seconds = std::max(0.0, summary.duration_s);
    }
    for (auto c : reports::publish::junit_cases(test_json, results_json, seconds, o.error)) {
      c.run = "seed " + std::to_string(run.seed);
      cases.push_back(std::move(c));
    }
  }
  const Value aggregate = {{"name", suite.name},
                           {"store", fs::absolute(store).lexically_normal().string()},
                           {"started", started},
                           {"finished", unix_now()},
                           {"exit_code", out.exit_code},
                           {"interrupted", interrupted.load()},
                           {"not_run", out.not_run},
                           {"tests", tests}};
  for (const auto& [file, text] : {std::pair{out.dir / "suite.json", aggregate.dump(2) + "\n"},
                                   std::pair{out.dir / "results.xml", reports::publish::junit_xml(suite.name, cases)}}) {
    if (auto s = base::write_file_atomically(file, text); !s.ok()) out.warnings.push_back(s.error().message);
  }
  if (auto s = reports::publish::write_store_index(store); !s.ok()) out.warnings.push_back(s.error().message);

  std::printf("suite %s: %zu runs%s, %s (exit %d)\n  %s\n", suite.name.c_str(), out.runs.size(),
              out.not_run ? (", " + std::to_string(out.not_run) + " not run (interrupted)").c_str() : "",
              exit_word(out.exit_code).c_str(), out.exit_code, out.dir.string().c_str());
  for (const auto& w : out.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  return out;
}

}  // namespace faultline::harness::runner
