#pragma once
// The 2PC target in the simulator: one Coordinator and three Participants (the real pure
// cores run by their real run_ready() shells) on the seeded in-memory network
// (targets/sim/network.h) with the fake disks of tests/sim/sim_cluster.h, and clients
// that send transfers and read-alls to the coordinator. Faults, drawn at random: halves,
// isolation (of the coordinator most of all, which is what makes 2PC block), one-way
// cuts, message loss, kill -9 and restart of the coordinator or a participant (losing
// what was not synced). Every node's invariants are checked after each step. At the end
// the network heals, every node restarts, the in-doubt transactions resolve, and the
// `twopc` checker (checkers/twopc) reads the clients' history and every participant's
// audit: one outcome per transaction everywhere, acknowledged outcomes kept, money
// conserved in every read and in the final state, no negative balance. A seed replays
// the same run (same trace hash). Not a SimCluster: 2PC has roles instead of replicas and
// a bank instead of a register, but the disks and the seed search are shared.

#include <cstdint>
#include <string>
#include <vector>

#include "checkers/twopc/twopc_checker.h"
#include "history/op.h"
#include "targets/twopc/bugs.h"
#include "tests/sim/sim_cluster.h"

namespace faultline::tests::sim {

namespace twopc = targets::twopc;

struct TwoPcSimOptions {
  uint64_t seed = 1;
  twopc::Bugs bugs;
  int participants = 3;
  int64_t accounts = 9;
  int64_t initial_balance = 100;
  SimTime duration_ms = 3000;  // clients and faults; then heal, restart all, quiesce
  SimTime quiesce_ms = 1500;
  int clients = 4;
  SimTime client_timeout_ms = 400;
  double read_fraction = 0.2;  // of the operations, read-alls; the rest transfers
  // Fault mix: the mean gap between faults, and which kinds may be drawn.
  SimTime fault_interval_ms = 150;
  bool partitions = true;
  bool loss = true;
  bool crashes = true;
  bool only_isolate_coordinator = false;  // the one fault: the coordinator cut off, then healed
  SimTime min_delay_ms = 1;
  SimTime max_delay_ms = 12;
  // The cores' timing, scaled to the simulated network.
  int64_t vote_timeout_ms = 100;
  int64_t resend_ms = 30;
  int64_t query_ms = 50;
  int64_t decision_timeout_ms = 150;  // the planted timeout bugs only
};

struct TwoPcSimResult {
  std::string violation;  // the first broken core invariant, with the sim time
  checkers::twopc::TwoPcResult check;
  std::string check_error;  // the checker refused the history (a bug in the simulator)
  uint64_t trace_hash = 0;
  int64_t committed = 0, aborted = 0, unknown = 0, reads = 0;  // ok reads
  int64_t crashes = 0, coordinator_crashes = 0;
  int64_t in_doubt_at_end = 0;  // transactions still prepared after the final quiesce
  std::vector<history::Op> history;
  bool safe() const { return violation.empty(); }
  bool valid() const { return check_error.empty() && check.verdict == checkers::Verdict::Valid; }
};

TwoPcSimResult run_twopc_sim(const TwoPcSimOptions& options);

// One line about a run: its seed, the first invariant broken, the checker's findings.
std::string describe(uint64_t seed, const TwoPcSimResult& r);

// What a planted bug must do: make the checker say invalid.
inline bool checker_finds_anomaly(const TwoPcSimResult& r) { return r.check.verdict == checkers::Verdict::Invalid; }

}  // namespace faultline::tests::sim
