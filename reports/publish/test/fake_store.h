#pragma once
// Test helpers: a throwaway store of run directories shaped like the runner's
// (test.json, results.json), and results.json contents for each kind of verdict.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/test/temp_dir.h"
#include "history/op.h"

namespace faultline::reports::publish::testing {

using history::Value;

// A fresh directory under the system temp dir, removed when the object dies.
using base::TempDir;

inline Value test_json(const std::string& name, const std::string& workload, uint64_t seed = 7) {
  return Value{{"config",
                {{"test_name", name},
                 {"target", "raft"},
                 {"workload", workload},
                 {"bugs", Value::array()},
                 {"nemesis", "partition,kill"},
                 {"read_mode", "read-index"},
                 {"seed", seed},
                 {"time_limit_s", 10.0}}},
               {"started", 1796188102},
               {"versions", "faultline 0.1.0"}};
}

inline Value stats_json(int ok, int fail, int info) {
  return Value{{"checker", "stats"},
               {"verdict", "valid"},
               {"duration_s", 12.5},
               {"operations", ok + fail + info},
               {"by_f",
                {{"read", {{"ok", {{"count", ok}}}, {"fail", {{"count", fail}}}, {"info", {{"count", info}}}}}}}};
}

inline Value valid_register_results() {
  return Value{{"verdict", "valid"},
               {"warnings", Value::array()},
               {"linearizable", {{"checker", "linearizable"}, {"verdict", "valid"}, {"keys", 8}, {"problems", Value::array()}}},
               {"stats", stats_json(100, 5, 2)}};
}

// Key "k7": op #23 (process 6, ok read 0) cannot be placed.
inline Value invalid_register_results() {
  Value failed = {{"index", 23}, {"process", 6}, {"type", "ok"}, {"f", "read"}, {"value", 0},
                  {"line", 24}, {"completion_line", 36}};
  Value problem = {{"key", "k7"}, {"verdict", "invalid"}, {"ops", 12}, {"steps", 40}, {"configs", 30},
                   {"counterexample",
                    {{"failed_op", failed},
                     {"state_before_failed_op", 3},
                     {"prefix_length", 11},
                     {"prefix_tail", Value::array()},
                     {"concurrent_ops", Value::array()}}}};
  Value r = valid_register_results();
  r["verdict"] = "invalid";
  r["linearizable"]["verdict"] = "invalid";
  r["linearizable"]["problems"] = Value::array({problem});
  return r;
}

inline Value lost_set_results() {
  Value key = {{"key", "s1"},
               {"verdict", "invalid"},
               {"lost", {{"count", 2}, {"elements", {41, 42}}}},
               {"phantom", {{"count", 0}, {"elements", Value::array()}}},
               {"stale", Value::array()}};
  return Value{{"verdict", "invalid"},
               {"warnings", Value::array()},
               {"set", {{"checker", "set"}, {"verdict", "invalid"}, {"acknowledged", 563}, {"lost", 2},
                        {"phantom", 0}, {"stale_reads", 3}, {"keys", Value::array({key})}}},
               {"stats", stats_json(10, 0, 0)}};
}

inline void write_json(const std::filesystem::path& file, const Value& v) {
  std::ofstream(file) << v.dump(2) << "\n";
}

// store/<dir_name>/<time>/ with test.json and (unless null) results.json.
inline std::filesystem::path make_run(const std::filesystem::path& store, const std::string& dir_name,
                                      const std::string& time, const Value& test, const Value& results) {
  const auto dir = store / dir_name / time;
  std::filesystem::create_directories(dir);
  write_json(dir / "test.json", test);
  if (!results.is_null()) write_json(dir / "results.json", results);
  return dir;
}

}  // namespace faultline::reports::publish::testing
