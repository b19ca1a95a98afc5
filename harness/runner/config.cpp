#include "harness/runner/config.h"

#include "harness/runner/target.h"

#include <algorithm>

namespace faultline::harness::runner {

namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}
}  // namespace

base::Status validate(const RunConfig& c) {
  auto bad = [](const std::string& what) { return base::Status(base::Error{what}); };
  const TargetKind* kind = find_target_kind(c.target);
  if (kind == nullptr) {
    std::vector<std::string> names;
    for (const auto& k : target_kinds()) names.push_back(k.name);
    return bad("--target: unknown target \"" + c.target + "\" (known: " + joined(names) + ")");
  }
  if (!c.read_mode.empty() &&
      std::find(kind->read_modes.begin(), kind->read_modes.end(), c.read_mode) == kind->read_modes.end())
    return bad("--read-mode: " + c.target + " reads are " + joined(kind->read_modes) + ", not \"" +
               c.read_mode + "\"");
  for (const auto& bug : c.bugs)
    if (std::find(kind->bugs.begin(), kind->bugs.end(), bug) == kind->bugs.end())
      return bad("--bug: " + c.target + " has no planted bug \"" + bug + "\" (known: " + joined(kind->bugs) + ")");
  if (c.election_ticks != 0 && !kind->election_ticks)
    return bad("--election-ticks: " + c.target + " has no election timeout of ours to set");
  if (c.election_ticks != 0 && (c.election_ticks < 2 || c.election_ticks > 1000))
    return bad("--election-ticks must be between 2 and 1000");
  if (c.max_entries_per_message != 0 && !kind->max_entries_per_message)
    return bad("--max-entries-per-message: " + c.target + " has no such option (raft only)");
  if (c.max_entries_per_message < 0 || c.max_entries_per_message > 100'000)
    return bad("--max-entries-per-message must be between 1 and 100000");
  if (std::find(kind->workloads.begin(), kind->workloads.end(), c.workload) == kind->workloads.end())
    return bad("--workload: unknown workload \"" + c.workload + "\" for " + c.target + " (known: " +
               joined(kind->workloads) + ")");
  if (c.keys < 1) return bad("--keys must be at least 1");
  if (c.time_limit_s <= 0) return bad("--time-limit must be > 0 seconds");
  if (c.concurrency < 1) return bad("--concurrency must be at least 1");
  if (c.rate <= 0) return bad("--rate must be > 0 ops/s");
  if (c.call_timeout_s <= 0) return bad("--call-timeout must be > 0 seconds");
  if (c.nemesis_interval_s <= 0) return bad("--nemesis-interval must be > 0 seconds");
  if (c.delay_ms < 1 || c.delay_ms > 10'000) return bad("--delay-ms must be between 1 and 10000");
  if (c.delay_jitter_ms < 0 || c.delay_jitter_ms > c.delay_ms)
    return bad("--delay-jitter-ms must be between 0 and --delay-ms");
  if (c.nodes_file.empty() && (c.local_nodes < 1 || c.local_nodes > 9))
    return bad("--nodes must be between 1 and 9 for a local cluster");
  if (c.test_name.find('/') != std::string::npos || c.test_name == "." || c.test_name == "..")
    return bad("--test-name must not contain '/'");
  return base::ok_status();
}

history::Value to_json(const RunConfig& c) {
  return history::Value{
      {"test_name", c.name()},
      {"target", c.target},
      {"bugs", c.bugs},
      {"read_mode", c.read_mode},
      {"election_ticks", c.election_ticks},
      {"max_entries_per_message", c.max_entries_per_message},
      {"workload", c.workload},
      {"keys", c.keys},
      {"nemesis", c.nemesis},
      {"nemesis_interval_s", c.nemesis_interval_s},
      {"nemesis_targets", c.nemesis_targets},
      {"nemesis_topologies", c.nemesis_topologies},
      {"clock_faults", c.clock_faults},
      {"delay_ms", c.delay_ms},
      {"delay_jitter_ms", c.delay_jitter_ms},
      {"time_limit_s", c.time_limit_s},
      {"concurrency", c.concurrency},
      {"rate", c.rate},
      {"call_timeout_s", c.call_timeout_s},
      {"quiesce_s", c.quiesce_s},
      {"final_timeout_s", c.final_timeout_s},
      {"check_time_limit_s", c.check_time_limit_s},
      {"seed", c.seed},
      {"nodes_file", c.nodes_file},
      {"local_nodes", c.local_nodes},
      {"local_subnet", c.local_subnet},
      {"leave_running", c.leave_running},
  };
}

base::Result<RunConfig> config_from_json(const history::Value& j) {
  if (!j.is_object()) return base::Error{"test.json: \"config\" is not an object"};
  RunConfig c;
  try {
    auto get = [&](const char* name, auto& field) {
      if (j.contains(name) && !j.at(name).is_null()) j.at(name).get_to(field);
    };
    get("test_name", c.test_name);
    get("target", c.target);
    get("bugs", c.bugs);
    get("read_mode", c.read_mode);
    get("election_ticks", c.election_ticks);
    get("max_entries_per_message", c.max_entries_per_message);
    get("workload", c.workload);
    get("keys", c.keys);
    get("nemesis", c.nemesis);
    get("nemesis_interval_s", c.nemesis_interval_s);
    get("nemesis_targets", c.nemesis_targets);
    get("nemesis_topologies", c.nemesis_topologies);
    get("clock_faults", c.clock_faults);
    get("delay_ms", c.delay_ms);
    get("delay_jitter_ms", c.delay_jitter_ms);
    get("time_limit_s", c.time_limit_s);
    get("concurrency", c.concurrency);
    get("rate", c.rate);
    get("call_timeout_s", c.call_timeout_s);
    get("check_time_limit_s", c.check_time_limit_s);
    get("seed", c.seed);
    get("nodes_file", c.nodes_file);
    get("local_nodes", c.local_nodes);
  } catch (const std::exception& e) {
    return base::Error{std::string("test.json: ") + e.what()};
  }
  return c;
}

}  // namespace faultline::harness::runner
