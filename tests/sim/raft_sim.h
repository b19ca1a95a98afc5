#pragma once
// The Raft target in the simulator: its options and run_raft_sim(), a SimCluster
// (tests/sim/sim_cluster.h) of KvNode replicas checked for Raft's safety properties
// (Figure 3: election safety, log matching, leader completeness, state machine safety)
// after every step and for linearizability at the end.

#include "targets/raft/core/kv_node.h"
#include "tests/sim/sim_cluster.h"

namespace faultline::tests::sim {

namespace raft = targets::raft;

struct RaftSimTarget {
  raft::Bugs bugs;
  raft::ReadMode read_mode = raft::ReadMode::ReadIndex;
  raft::Index snapshot_every = 48;
  size_t max_entries_per_message = 64;
};
using RaftSimOptions = SimOptions<RaftSimTarget>;

SimResult run_raft_sim(const RaftSimOptions& options);

}  // namespace faultline::tests::sim
