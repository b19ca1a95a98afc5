#pragma once
// RunConfig: everything one `faultline run` test is made of — target and its options,
// workload, nemesis, timing, cluster and store. It is written whole to test.json, so a
// stored run says exactly how it was made (and `faultline check RUNDIR` knows which
// checkers to run). Harness layer; plain data.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "history/op.h"

namespace faultline::harness::runner {

struct RunConfig {
  std::string test_name;  // empty: "<target>-<workload>"
  std::string target = "raft";
  std::vector<std::string> bugs;        // planted bugs, passed to the servers
  // The target's read mode (raft: read-index | log | lease); empty: the target's
  // default, filled in before test.json is written.
  std::string read_mode;
  // Election timeout of our consensus servers (raft, zab), in protocol ticks of 10 ms,
  // drawn from [n, 2n); 0: the server's default (10).
  int election_ticks = 0;
  // Most log entries per AppendEntries of our raft server; 0: the server's default (64).
  int max_entries_per_message = 0;

  std::string workload = "register";  // register | set
  int keys = 4;

  std::string nemesis;  // "partition,kill,pause,clock" or empty for none
  double nemesis_interval_s = 5;
  std::string nemesis_targets = "one";  // one|minority|majority|all|leader
  std::string nemesis_topologies;       // empty: all
  std::string clock_faults;             // bump,strobe,freeze subset; empty: the default mix
  int64_t delay_ms = 40;                // the delay fault: delay ± jitter per packet
  int64_t delay_jitter_ms = 30;

  double time_limit_s = 60;
  int concurrency = 10;
  double rate = 200;  // ops/s over all client threads
  double call_timeout_s = 1.0;
  double quiesce_s = 2;
  double final_timeout_s = 30;
  double check_time_limit_s = 60;  // linearizability: unknown after this
  uint64_t seed = 0;               // 0: drawn from the clock, then recorded

  // Cluster: a local one (brought up and taken down by the run) unless nodes_file.
  std::string nodes_file;
  std::string ssh_user = "root";
  std::string ssh_key;
  std::string known_hosts;
  bool accept_new_host_keys = false;
  int local_nodes = 5;
  std::string local_subnet = "10.77.0.0/24";
  std::string cluster_state_dir;  // empty: the default local cluster state dir
  bool leave_running = false;

  std::string store = "store";  // store/<test>/<UTC time>/
  std::string target_binary;    // empty: the target's server binary beside faultline

  std::string name() const { return test_name.empty() ? target + "-" + workload : test_name; }
};

// Errors name the option and what is wrong with it (exit 3).
base::Status validate(const RunConfig& config);

history::Value to_json(const RunConfig& config);
// Reads test.json's "config" back (for `faultline check RUNDIR`); missing fields keep
// their defaults.
base::Result<RunConfig> config_from_json(const history::Value& json);

}  // namespace faultline::harness::runner
