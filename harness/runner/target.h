#pragma once
// Target: the system under test as the runner drives it — set it up on every node,
// hand out one client per client process, name its leader for the nemesis, tell the
// nemesis how to kill and restart it, and at the end collect its logs and stop it.
// TargetKind: the --target names the runner knows (raft, zab, ...), with the options
// each accepts, so a bad --bug or --read-mode is a config error before anything runs.
// Adding a target (docs/TARGETS.md): write a ServerRecipe (server_target.h) or a Target
// of your own, and a TargetKind in target.cpp. Harness layer.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "checkers/logs/log_patterns.h"
#include "harness/control/node.h"
#include "harness/control/ssh.h"
#include "harness/runner/config.h"
#include "nemesis/process_faults.h"
#include "workloads/workload.h"

namespace faultline::harness::runner {

class Target {
 public:
  virtual ~Target() = default;

  // Installs and starts the target on every node and waits (up to `timeout_ms`) until
  // it answers. Error: names the node, with what it logged.
  virtual base::Status setup(int64_t timeout_ms) = 0;
  // Copies each node's log into <run_dir>/<node>/ and, unless `leave_running`, stops
  // the target. All nodes are tried; errors are collected per node.
  virtual base::Status teardown(const std::filesystem::path& run_dir, bool leave_running) = 0;

  // How the nemesis finds, kills and restarts a node's process.
  virtual nemesis::ProcessSpec process_spec() const = 0;
  // The client of one process bound to `node`; every invoke returns within `timeout`.
  // Thread-safe (client threads call it); the client itself belongs to one thread.
  virtual std::unique_ptr<workloads::Client> client(const std::string& node, uint64_t client_id,
                                                    std::chrono::milliseconds timeout) const = 0;
  // The node that currently leads, or nullopt (none, unknown, or a leaderless target).
  // Called from the nemesis thread.
  virtual std::optional<std::string> leader() const = 0;
  // The nodes that hold a shard of the data, in shard order (a sharded target's
  // participants; a replicated store: every node). The bank workload spreads its
  // accounts over them and audits each at the end.
  virtual std::vector<std::string> shard_nodes() const = 0;
};

// Where the local build keeps a target's server binary: --target-binary, else the
// binary named `name` beside faultline, else under the build tree's targets/.
std::filesystem::path server_binary(const RunConfig& config, const std::string& name);

struct TargetKind {
  std::string name;                     // --target
  std::vector<std::string> read_modes;  // accepted --read-mode values; the first is the default
  std::vector<std::string> bugs;        // accepted --bug values
  std::vector<std::string> workloads = {"register", "set"};  // accepted --workload values
  bool election_ticks = false;          // takes --election-ticks
  bool max_entries_per_message = false;  // takes --max-entries-per-message
  // Lines no healthy server of this kind writes to its log (a panic, a broken
  // invariant), and the lines a node writes when it becomes leader of a term, casts a
  // vote and passes an applied checkpoint: any such pattern, two leaders of one term, a
  // double vote or two prefixes applied up to one index makes the run invalid
  // (checkers/logs).
  checkers::logs::LogRules log_rules;
  // The server binary the harness uploads ("faultline-raft"), or empty when the nodes
  // have it already (a packaged server).
  std::string binary;
  // Builds the target for `nodes`. `pool` reaches them and outlives the target.
  std::function<std::unique_ptr<Target>(control::Pool& pool, std::vector<control::NodeSpec> nodes,
                                        const RunConfig& config)>
      make;
};

// What our own servers (raft, zab, twopc) write only when something is badly wrong:
// base::panic's "PANIC " and a broken invariant caught by the server's own checks.
const std::vector<checkers::logs::LogPattern>& our_server_log_patterns();

// Every target, by name.
const std::vector<TargetKind>& target_kinds();
// The kind called `name`, or nullptr.
const TargetKind* find_target_kind(const std::string& name);

}  // namespace faultline::harness::runner
