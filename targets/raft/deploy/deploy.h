#pragma once
// RaftDeploy: how the harness installs, starts, finds and wipes faultline-raft on a
// node — the shared server recipe (targets/common/deploy.h: /opt/faultline/raft,
// faultline-raft, raft.log, raft.pid, argv vectors only) with Raft's defaults and its
// --snapshot-every. Plain data; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "targets/common/deploy.h"
#include "targets/raft/bugs.h"

namespace faultline::targets::raft::deploy {

using common::DeployNode;

struct DeployOptions : common::DeployOptions<Bug> {
  DeployOptions() {
    peer_port = 7100;
    client_port = 7101;
    read_mode = "read-index";  // log | read-index | lease
  }
  uint64_t snapshot_every = 10000;
};

struct RaftDeploy : common::ServerDeploy {
  RaftDeploy() : ServerDeploy("raft") {}

  // argv that starts node `index` of `nodes`. Precondition: index < nodes.size().
  std::vector<std::string> start_argv(const std::vector<DeployNode>& nodes, size_t index,
                                      const DeployOptions& options) const {
    return ServerDeploy::start_argv(nodes, index, options,
                                    {"--snapshot-every", std::to_string(options.snapshot_every)});
  }
};

}  // namespace faultline::targets::raft::deploy
