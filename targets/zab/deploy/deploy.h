#pragma once
// ZabDeploy: how the harness installs, starts, finds and wipes faultline-zab on a node
// — the shared server recipe (targets/common/deploy.h: /opt/faultline/zab,
// faultline-zab, zab.log, zab.pid, argv vectors only) with ZAB's defaults: ports 7200
// and 7201 (beside faultline-raft's 7100 and 7101, so both can run on one cluster) and
// local reads, ZooKeeper's default. Plain data; thread-safe.

#include "targets/common/deploy.h"
#include "targets/zab/bugs.h"

namespace faultline::targets::zab::deploy {

using common::DeployNode;

struct DeployOptions : common::DeployOptions<Bug> {
  DeployOptions() {
    peer_port = 7200;
    client_port = 7201;
    read_mode = "local";  // local | sync
  }
};

// start_argv(nodes, index, options), client_addresses(nodes, options), wipe_argv(),
// binary_path(), log_file(), pidfile(): see common::ServerDeploy.
struct ZabDeploy : common::ServerDeploy {
  ZabDeploy() : ServerDeploy("zab") {}
};

}  // namespace faultline::targets::zab::deploy
