// Simulation tests of the Raft target: the real replica state machines on a seeded
// in-memory network with partitions, loss, reordering, crashes that lose unsynced
// data and (where asked) clock steps. A failure prints its seed; rerun one seed with
// FAULTLINE_SIM_SEED=<seed> ctest -R RaftSim --output-on-failure.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/sim/raft_sim.h"

namespace faultline::tests::sim {
namespace {

using checkers::Verdict;
using targets::raft::Bug;
using targets::raft::ReadMode;

// 1,000 seeds in ten shards, so CTest spreads them over the cores.
constexpr uint64_t kShards = 10;
constexpr uint64_t kSeedsPerShard = 100;


// The mix a seed runs with: every read mode, single and majority crashes, one or
// many entries per message, sparse and dense faults; clock steps where the read mode
// does not depend on clocks (lease reads are expected to break under them).
void vary(RaftSimOptions& options) {
  const uint64_t seed = options.seed;
  options.target.read_mode = static_cast<ReadMode>(seed % 3);  // log, read-index, lease
  options.crash_many = seed % 2 == 0;
  options.target.max_entries_per_message = seed % 4 == 1 ? 2 : 64;
  options.fault_interval_ms = seed % 5 == 0 ? 50 : 150;
  options.clock_skew = options.target.read_mode != ReadMode::Lease;
}

class RaftSimSeeds : public ::testing::TestWithParam<uint64_t> {};

TEST_P(RaftSimSeeds, SafetyHoldsAndHistoryIsLinearizableUnderFaults) {
  // Election safety, log matching, leader completeness and state machine safety
  // (Raft Figure 3) after every step, then linearizability of what clients saw.
  const uint64_t shard = GetParam();
  int64_t ok_ops = 0, crashes = 0, leaders = 0;
  for (uint64_t i = 0; i < kSeedsPerShard; ++i) {
    RaftSimOptions options;
    options.seed = shard * kSeedsPerShard + i + 1;
    vary(options);
    const SimResult r = run_raft_sim(options);
    ASSERT_TRUE(r.safe()) << describe(options.seed, r);
    ASSERT_EQ(r.linearizable, Verdict::Valid) << describe(options.seed, r);
    ok_ops += r.ok_ops;
    crashes += r.crashes;
    leaders += r.leaders_elected;
  }
  // The runs did real work: operations completed, nodes crashed, leaders changed.
  EXPECT_GT(ok_ops, static_cast<int64_t>(kSeedsPerShard) * 20);
  EXPECT_GT(crashes, static_cast<int64_t>(kSeedsPerShard));
  EXPECT_GT(leaders, static_cast<int64_t>(kSeedsPerShard) * 2);
}

INSTANTIATE_TEST_SUITE_P(Shards, RaftSimSeeds, ::testing::Range<uint64_t>(0, kShards));

TEST(RaftSim, SameSeedReplaysTheSameTrace) {
  RaftSimOptions options;
  options.seed = 4242;
  options.clock_skew = true;
  const SimResult a = run_raft_sim(options);
  const SimResult b = run_raft_sim(options);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.history.size(), b.history.size());
  options.seed = 4243;
  EXPECT_NE(run_raft_sim(options).trace_hash, a.trace_hash);
}

TEST(RaftSim, OneSeedFromTheEnvironment) {
  const char* seed = std::getenv("FAULTLINE_SIM_SEED");
  if (!seed) GTEST_SKIP() << "set FAULTLINE_SIM_SEED to replay one seed";
  RaftSimOptions options;
  options.seed = std::strtoull(seed, nullptr, 10);
  vary(options);
  const SimResult r = run_raft_sim(options);
  EXPECT_TRUE(r.safe() && r.linearizable == Verdict::Valid) << describe(options.seed, r);
}

TEST(RaftSim, LeaseReadsStayLinearizableWithoutClockFaults) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    RaftSimOptions options;
    options.seed = seed;
    options.target.read_mode = ReadMode::Lease;
    const SimResult r = run_raft_sim(options);
    ASSERT_TRUE(r.safe()) << describe(options.seed, r);
    ASSERT_EQ(r.linearizable, Verdict::Valid) << describe(options.seed, r);
  }
}



TEST(RaftSimPlantedBug, StaleReadIsNotLinearizable) {
  RaftSimOptions options;
  options.target.bugs = {Bug::StaleRead};
  expect_some_seed_breaks(options, 50, run_raft_sim, not_linearizable);
}

TEST(RaftSimPlantedBug, NoReadQuorumLetsADeposedLeaderServeStaleReads) {
  RaftSimOptions options;
  options.target.bugs = {Bug::NoReadQuorum};
  options.crashes = false;
  expect_some_seed_breaks(options, 100, run_raft_sim, not_linearizable);
}

TEST(RaftSimPlantedBug, LeaseReadsBreakUnderClockSteps) {
  // Not a planted bug: lease reads are correct only while clocks behave.
  RaftSimOptions options;
  options.target.read_mode = ReadMode::Lease;
  options.clock_skew = true;
  options.crashes = false;
  expect_some_seed_breaks(options, 200, run_raft_sim, not_linearizable);
}

TEST(RaftSimPlantedBug, ForgetVoteElectsTwoLeadersInOneTerm) {
  RaftSimOptions options;
  options.target.bugs = {Bug::ForgetVote};
  // Frequent kill -9 and restarts, nothing else: a voter must restart while two
  // candidates of one term are still asking.
  options.partitions = false;
  options.loss = false;
  options.fault_interval_ms = 20;
  expect_some_seed_breaks(options, 300, run_raft_sim, [](const SimResult& r) {
    return r.violation.find("election safety") != std::string::npos;
  });
}

TEST(RaftSimPlantedBug, AckBeforePersistLosesCommittedEntriesWhenAMajorityCrashes) {
  RaftSimOptions options;
  options.target.bugs = {Bug::AckBeforePersist};
  options.crash_many = true;
  expect_some_seed_breaks(options, 300, run_raft_sim, unsafe);
}

TEST(RaftSimPlantedBug, CommitOldTermElectsALeaderWithoutACommittedEntry) {
  RaftSimOptions options;
  // Figure 8 needs a leader to commit an old-term entry by counting while its own
  // entry is not yet on a majority, then crash, and a stale candidate to win: dense
  // majority crashes and one entry per message make it reachable (about one seed in
  // a thousand; the search below stops at the first).
  options.target.bugs = {Bug::CommitOldTerm};
  options.crash_many = true;
  options.fault_interval_ms = 20;
  options.target.max_entries_per_message = 1;
  expect_some_seed_breaks(options, 2000, run_raft_sim, unsafe);
}

}  // namespace
}  // namespace faultline::tests::sim
