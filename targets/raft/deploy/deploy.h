#pragma once
// RaftDeploy: how the harness installs, starts, finds and wipes faultline-raft on a
// node — the shared server recipe (targets/common/deploy.h: /opt/faultline/raft,
// faultline-raft, raft.log, raft.pid, argv vectors only) with Raft's defaults and its
// --snapshot-every and --max-entries-per-message. Plain data; thread-safe.

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
  uint64_t max_entries_per_message = 0;  // 0: the server's default (64)
};

struct RaftDeploy : common::ServerDeploy {
  RaftDeploy() : ServerDeploy("raft") {}

  // argv that starts node `index` of `nodes`. Precondition: index < nodes.size().
  std::vector<std::string> start_argv(const std::vector<DeployNode>& nodes, size_t index,
                                      const DeployOptions& options) const {
    std::vector<std::string> flags = {"--snapshot-every", std::to_string(options.snapshot_every)};
    if (options.max_entries_per_message > 0)
      flags.insert(flags.end(), {"--max-entries-per-message", std::to_string(options.max_entries_per_message)});
    return ServerDeploy::start_argv(nodes, index, options, flags);
  }
};

}  // namespace faultline::targets::raft::deploy
