#pragma once
// TwoPcDeploy: how the harness installs, starts, finds and wipes faultline-twopc on a
// node — the shared server recipe (targets/common/deploy.h: /opt/faultline/twopc,
// faultline-twopc, twopc.log, twopc.pid, argv vectors only) with the bank's roles: the
// first node coordinates, every other node is a participant, in node order (the shard
// order: account a lives on participants()[a % participants().size()]). Ports 7300 and
// 7301, beside faultline-raft's and faultline-zab's, so all three can share a cluster.
// Plain data; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "targets/common/deploy.h"
#include "targets/twopc/bugs.h"

namespace faultline::targets::twopc::deploy {

using common::DeployNode;

struct DeployOptions : common::DeployOptions<Bug> {
  DeployOptions() {
    peer_port = 7300;
    client_port = 7301;
    read_mode = "read-all";  // the bank's one read: a read-all transaction
    // The coordinator aborts a transaction whose votes take longer than
    // election_ticks x tick_ms (200 ms); the planted timeout bugs decide alone after twice it.
    election_ticks = 20;
  }
  int64_t accounts = 4;            // accounts 0 .. accounts-1 (the bank workload's --keys)
  int64_t initial_balance = 100;   // every account's balance at the start
};

struct TwoPcDeploy : common::ServerDeploy {
  TwoPcDeploy() : ServerDeploy("twopc") {}

  // The coordinator: the first node. Precondition: nodes is not empty.
  static std::string coordinator(const std::vector<DeployNode>& nodes) { return nodes.front().name; }
  // The participants in shard order: every node after the first.
  static std::vector<std::string> participants(const std::vector<DeployNode>& nodes) {
    std::vector<std::string> out;
    for (size_t i = 1; i < nodes.size(); ++i) out.push_back(nodes[i].name);
    return out;
  }

  // argv that starts node `index` of `nodes` (its role follows from --coordinator).
  // Precondition: index < nodes.size(), and at least two nodes.
  std::vector<std::string> start_argv(const std::vector<DeployNode>& nodes, size_t index,
                                      const DeployOptions& options) const {
    std::string shards;
    for (const auto& name : participants(nodes)) shards += (shards.empty() ? "" : ",") + name;
    return ServerDeploy::start_argv(nodes, index, options,
                                    {"--coordinator", coordinator(nodes), "--participants", shards, "--accounts",
                                     std::to_string(options.accounts), "--initial-balance",
                                     std::to_string(options.initial_balance)});
  }
};

}  // namespace faultline::targets::twopc::deploy
