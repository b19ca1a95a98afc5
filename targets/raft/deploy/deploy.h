#pragma once
// RaftDeploy: how the harness installs, starts, finds and wipes faultline-raft on a
// node — paths and argv vectors only, no I/O and no shell strings (the harness quotes
// argv for SSH and runs it). The start argv runs the server in the foreground: the
// harness backgrounds it with stdout/stderr redirected to log_file(); the server writes
// pidfile() itself and removes it on a clean exit, so stop = kill the pid it holds.
// Plain data; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "targets/raft/bugs.h"

namespace faultline::targets::raft::deploy {

struct DeployNode {
  std::string name;  // "n1"
  std::string host;  // the address peers and clients use
};

struct DeployOptions {
  uint16_t peer_port = 7100;
  uint16_t client_port = 7101;
  std::string read_mode = "read-index";  // log | read-index | lease
  Bugs bugs;
  int tick_ms = 10;
  int election_ticks = 10;
  uint64_t snapshot_every = 10000;
};

struct RaftDeploy {
  std::string binary_name = "faultline-raft";
  std::string remote_dir = "/opt/faultline/raft";

  std::string binary_path() const { return remote_dir + "/" + binary_name; }
  std::string data_dir() const { return remote_dir + "/data"; }
  std::string log_file() const { return remote_dir + "/raft.log"; }
  std::string pidfile() const { return remote_dir + "/raft.pid"; }

  // "n1=10.0.0.1:7100,n2=..." for --peers.
  static std::string peers_flag(const std::vector<DeployNode>& nodes, uint16_t peer_port);
  // argv that starts node `index` of `nodes`. Precondition: index < nodes.size().
  std::vector<std::string> start_argv(const std::vector<DeployNode>& nodes, size_t index,
                                      const DeployOptions& options) const;
  // "host:port" of every node's client port, for RaftClient.
  static std::vector<std::pair<std::string, std::string>> client_addresses(
      const std::vector<DeployNode>& nodes, const DeployOptions& options);
  // argv that deletes the node's data (WAL, snapshot), its log and pidfile; the binary
  // stays. Run only when the node is stopped.
  std::vector<std::string> wipe_argv() const;
};

}  // namespace faultline::targets::raft::deploy
