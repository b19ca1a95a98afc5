#pragma once
// RaftSim: a whole Raft key-value cluster in one thread on simulated time, for the
// simulation tests. Replicas are the real KvNode state machines run by the real
// run_ready() shell; the network, the disks, the clocks and the clients are fakes
// driven by one seeded Random, so a seed replays the same run (same trace hash).
// Faults, drawn at random: partitions (halves, isolation, one-way cuts), message loss,
// crash and restart (losing what was not synced), wall-clock skew. After every step the
// Raft safety properties (Figure 3) are checked on the node that moved; at the end the
// clients' history is checked for linearizability.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/random.h"
#include "checkers/verdict.h"
#include "history/op.h"
#include "targets/raft/core/kv_node.h"
#include "targets/sim/network.h"

namespace faultline::tests::sim {

namespace raft = targets::raft;
using targets::sim::SimTime;

struct SimOptions {
  uint64_t seed = 1;
  int nodes = 5;
  SimTime duration_ms = 3000;  // with faults; then heal and quiesce
  SimTime quiesce_ms = 1500;
  raft::Bugs bugs;
  raft::ReadMode read_mode = raft::ReadMode::ReadIndex;
  raft::Index snapshot_every = 48;
  int clients = 5;
  int keys = 3;
  SimTime client_timeout_ms = 400;
  // Fault mix: the mean gap between faults, and which kinds may be drawn.
  SimTime fault_interval_ms = 150;
  bool partitions = true;
  bool loss = true;
  bool crashes = true;
  bool crash_many = false;  // crash a majority at once (what exposes unsynced acks)
  bool clock_skew = false;
  size_t max_entries_per_message = 64;
  SimTime min_delay_ms = 1;
  SimTime max_delay_ms = 12;
};

struct SimResult {
  std::string violation;  // the first broken safety property, with the sim time
  checkers::Verdict linearizable = checkers::Verdict::Unknown;
  std::string linearizability_detail;
  uint64_t trace_hash = 0;
  int64_t ok_ops = 0;
  int64_t leaders_elected = 0;
  int64_t crashes = 0;
  int64_t snapshots_installed = 0;
  std::vector<history::Op> history;
  bool safe() const { return violation.empty(); }
};

// Runs one seeded simulation to the end (a violation does not stop it: the history
// is still checked, so both kinds of evidence are reported).
SimResult run_raft_sim(const SimOptions& options);

}  // namespace faultline::tests::sim
