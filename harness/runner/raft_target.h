#pragma once
// RaftTarget: the Raft system under test as the runner drives it over SSH, built from
// the deploy recipe (targets/raft/deploy): upload faultline-raft to every node, wipe
// its data, start it (under libfaketime where the node's clock backend is faketime, so
// the clock nemesis reaches it), wait until the cluster answers, name the leader for
// the nemesis, and at the end collect logs and stop it — by the pid in its pidfile,
// never by name. Every step runs on all nodes in parallel and its errors name the
// node. Harness layer; setup/teardown from one thread, leader() from the nemesis
// thread (it uses its own client).

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "harness/control/node.h"
#include "harness/control/ssh.h"
#include "harness/runner/config.h"
#include "nemesis/process_faults.h"
#include "targets/raft/deploy/deploy.h"

namespace faultline::harness::runner {

class RaftTarget {
 public:
  // `pool` reaches every node in `nodes` and outlives this object.
  RaftTarget(control::Pool& pool, std::vector<control::NodeSpec> nodes, const RunConfig& config,
             std::filesystem::path local_binary);

  // Stops a server left by an earlier run (by its pidfile), uploads the binary, wipes
  // the data, starts every node and waits (up to `timeout_ms`) until a read through the
  // cluster succeeds. Error: names the node, with the tail of its log.
  base::Status setup(int64_t timeout_ms);
  // Copies each node's log to <run_dir>/<node>/raft.log and, unless `leave_running`,
  // stops the servers. Errors are collected per node; all nodes are tried.
  base::Status teardown(const std::filesystem::path& run_dir, bool leave_running);

  // How the nemesis finds, kills and restarts a node's server.
  nemesis::ProcessSpec process_spec() const;
  // node name -> "host:port" of its client port.
  std::map<std::string, std::string> client_addresses() const;
  // The node that answered a read as leader, or nullopt (asks with a 500 ms client).
  std::optional<std::string> leader() const;
  std::vector<std::string> node_names() const;

 private:
  // The sh command that starts node `index` in the background, appending to its log.
  std::string start_command(size_t index) const;
  std::string stop_command() const;
  base::Status on_all(const std::string& what,
                      const std::function<base::Status(size_t index)>& step);
  std::string log_tail(const std::string& node);

  control::Pool& pool_;
  std::vector<control::NodeSpec> nodes_;
  RunConfig config_;
  std::filesystem::path local_binary_;
  targets::raft::deploy::RaftDeploy deploy_;
  targets::raft::deploy::DeployOptions options_;
  std::vector<targets::raft::deploy::DeployNode> deploy_nodes_;
};

}  // namespace faultline::harness::runner
