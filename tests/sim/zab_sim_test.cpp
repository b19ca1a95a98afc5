// Simulation tests of the ZAB target: the real replica state machines on a seeded
// in-memory network of FIFO channels with partitions, loss, crashes that lose unsynced
// data. A failure prints its seed.
#include <gtest/gtest.h>

#include <iostream>

#include "tests/sim/zab_sim.h"

namespace faultline::tests::sim {
namespace {

using checkers::Verdict;
using zab::Bug;
using zab::ReadMode;


void vary(ZabSimOptions& options) {
  options.crash_many = options.seed % 2 == 0;
  options.fault_interval_ms = options.seed % 5 == 0 ? 50 : 150;
}

constexpr uint64_t kShards = 10;
constexpr uint64_t kSeedsPerShard = 100;

class ZabSimSeeds : public ::testing::TestWithParam<uint64_t> {};

TEST_P(ZabSimSeeds, ZabPropertiesHoldAndSyncReadsAreLinearizable) {
  int64_t ok_ops = 0, leaders = 0, crashes = 0;
  for (uint64_t i = 0; i < kSeedsPerShard; ++i) {
    ZabSimOptions options;
    options.seed = GetParam() * kSeedsPerShard + i + 1;
    vary(options);
    const SimResult r = run_zab_sim(options);
    ASSERT_TRUE(r.safe()) << describe(options.seed, r);
    ASSERT_EQ(r.linearizable, Verdict::Valid) << describe(options.seed, r);
    ok_ops += r.ok_ops;
    leaders += r.leaders_elected;
    crashes += r.crashes;
  }
  EXPECT_GT(ok_ops, static_cast<int64_t>(kSeedsPerShard) * 20);
  EXPECT_GT(leaders, static_cast<int64_t>(kSeedsPerShard) * 2);
  EXPECT_GT(crashes, static_cast<int64_t>(kSeedsPerShard));
}

INSTANTIATE_TEST_SUITE_P(Shards, ZabSimSeeds, ::testing::Range<uint64_t>(0, kShards));

TEST(ZabSim, SameSeedReplaysTheSameTrace) {
  ZabSimOptions options;
  options.seed = 99;
  const SimResult a = run_zab_sim(options);
  EXPECT_EQ(a.trace_hash, run_zab_sim(options).trace_hash);
  options.seed = 100;
  EXPECT_NE(run_zab_sim(options).trace_hash, a.trace_hash);
}



TEST(ZabSim, LocalReadsAreNotLinearizableUnderPartitions) {
  // ZooKeeper's reads are sequentially consistent, not linearizable: a server answers
  // from its own replica, which a partition leaves behind.
  ZabSimOptions options;
  options.target.read_mode = ReadMode::Local;
  expect_some_seed_breaks(options, 100, run_zab_sim, not_linearizable);
}

TEST(ZabSimPlantedBug, SkipSyncDeliversDifferentHistories) {
  ZabSimOptions options;
  options.target.bugs = {Bug::SkipSync};
  options.crash_many = true;
  expect_some_seed_breaks(options, 300, run_zab_sim, unsafe);
}

TEST(ZabSimPlantedBug, CommitBeforeQuorumLosesCommittedTransactions) {
  ZabSimOptions options;
  options.target.bugs = {Bug::CommitBeforeQuorum};
  expect_some_seed_breaks(options, 300, run_zab_sim, unsafe);
}

TEST(ZabSimPlantedBug, NoEpochFenceLetsADeposedLeaderCommit) {
  ZabSimOptions options;
  options.target.bugs = {Bug::NoEpochFence};
  options.crashes = false;
  expect_some_seed_breaks(options, 300, run_zab_sim, [](const SimResult& r) { return unsafe(r) || not_linearizable(r); });
}

TEST(ZabSimPlantedBug, AckBeforePersistLosesTransactionsWhenAMajorityCrashes) {
  ZabSimOptions options;
  options.target.bugs = {Bug::AckBeforePersist};
  options.crash_many = true;
  expect_some_seed_breaks(options, 300, run_zab_sim, unsafe);
}

}  // namespace
}  // namespace faultline::tests::sim
