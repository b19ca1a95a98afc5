// Simulation tests of the 2PC target: the real Coordinator and Participant cores on a
// seeded in-memory network with partitions, loss, reordering and kill -9 that loses
// unsynced data, checked by the `twopc` checker at the end. A failure prints its seed;
// replay one with FAULTLINE_SIM_SEED=<seed> ctest -R TwoPcSim --output-on-failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "tests/sim/twopc_sim.h"

namespace faultline::tests::sim {
namespace {

using twopc::Bug;

// 1,000 seeds in twenty shards, so CTest spreads them over the cores (about half a
// second each on an idle core).
constexpr uint64_t kShards = 20;
constexpr uint64_t kSeedsPerShard = 50;

// The mix a seed runs with: sparse and dense faults, short and long runs of loss.
void vary(TwoPcSimOptions& options) {
  options.fault_interval_ms = options.seed % 5 == 0 ? 50 : 150;
  options.read_fraction = options.seed % 3 == 0 ? 0.4 : 0.2;
}

// The correct build: valid, no invariant broken, nothing left in doubt once healed.
void expect_correct(const TwoPcSimOptions& options, const TwoPcSimResult& r) {
  ASSERT_TRUE(r.safe()) << describe(options.seed, r);
  ASSERT_TRUE(r.valid()) << describe(options.seed, r);
  ASSERT_EQ(r.in_doubt_at_end, 0) << describe(options.seed, r);
}

class TwoPcSimSeeds : public ::testing::TestWithParam<uint64_t> {};

TEST_P(TwoPcSimSeeds, EveryTransactionHasOneOutcomeAndMoneyIsConservedUnderFaults) {
  int64_t committed = 0, aborted = 0, reads = 0, crashes = 0, coordinator_crashes = 0, max_blocked_ms = 0;
  for (uint64_t i = 0; i < kSeedsPerShard; ++i) {
    TwoPcSimOptions options;
    options.seed = GetParam() * kSeedsPerShard + i + 1;
    vary(options);
    const TwoPcSimResult r = run_twopc_sim(options);
    expect_correct(options, r);
    committed += r.committed;
    aborted += r.aborted;
    reads += r.reads;
    crashes += r.crashes;
    coordinator_crashes += r.coordinator_crashes;
    max_blocked_ms = std::max(max_blocked_ms, r.check.max_blocked_ms);
  }
  std::cout << kSeedsPerShard << " seeds: " << committed << " committed, " << aborted << " aborted, " << reads
            << " reads, " << crashes << " crashes (" << coordinator_crashes << " of the coordinator), longest in doubt "
            << max_blocked_ms << " ms\n";
  // The runs did real work: transfers committed and aborted, read-alls got snapshots,
  // coordinators and participants crashed, and participants blocked on the coordinator.
  EXPECT_GT(committed, static_cast<int64_t>(kSeedsPerShard) * 20);
  EXPECT_GT(aborted, static_cast<int64_t>(kSeedsPerShard) * 5);
  EXPECT_GT(reads, static_cast<int64_t>(kSeedsPerShard) * 2);
  EXPECT_GT(crashes, static_cast<int64_t>(kSeedsPerShard) * 3);
  EXPECT_GT(coordinator_crashes, static_cast<int64_t>(kSeedsPerShard));
  EXPECT_GT(max_blocked_ms, 300);
}

INSTANTIATE_TEST_SUITE_P(Shards, TwoPcSimSeeds, ::testing::Range<uint64_t>(0, kShards));

TEST(TwoPcSim, SameSeedReplaysTheSameTrace) {
  TwoPcSimOptions options;
  options.seed = 77;
  const TwoPcSimResult a = run_twopc_sim(options);
  const TwoPcSimResult b = run_twopc_sim(options);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.history.size(), b.history.size());
  options.seed = 78;
  EXPECT_NE(run_twopc_sim(options).trace_hash, a.trace_hash);
}

TEST(TwoPcSim, OneSeedFromTheEnvironment) {
  const char* seed = std::getenv("FAULTLINE_SIM_SEED");
  if (!seed) GTEST_SKIP() << "set FAULTLINE_SIM_SEED to replay one seed";
  TwoPcSimOptions options;
  options.seed = std::strtoull(seed, nullptr, 10);
  vary(options);
  const TwoPcSimResult r = run_twopc_sim(options);
  std::cout << describe(options.seed, r) << "\n";
  expect_correct(options, r);
}

TEST(TwoPcSim, IsolatedCoordinatorLeavesParticipantsBlockedUntilItReturns) {
  // Blocking is what correct 2PC does: with the coordinator cut off again and again (and
  // no other fault), prepared participants wait, locked, and are reported, but stay
  // consistent; after the heal everything resolves.
  TwoPcSimOptions options;
  options.only_isolate_coordinator = true;
  options.fault_interval_ms = 400;
  int64_t blocked = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    options.seed = seed;
    const TwoPcSimResult r = run_twopc_sim(options);
    expect_correct(options, r);
    blocked = std::max(blocked, r.check.max_blocked_ms);
  }
  EXPECT_GT(blocked, 300);
}

// The checker found a violation of `kind` about a transfer with some participant in
// `outcome`.
auto found(checkers::twopc::AtomicityViolation::Kind kind, checkers::twopc::Outcome outcome) {
  return [kind, outcome](const TwoPcSimResult& r) {
    for (const auto& v : r.check.atomicity) {
      if (v.kind != kind || v.txn.f != "transfer") continue;
      for (const auto& p : v.txn.participants)
        if (p.outcome == outcome) return true;
    }
    return false;
  };
}

using Kind = checkers::twopc::AtomicityViolation::Kind;
using checkers::twopc::Outcome;

TEST(TwoPcSimPlantedBug, ParticipantTimeoutCommitCommitsAnAcknowledgedAbort) {
  TwoPcSimOptions options;
  options.bugs = {Bug::ParticipantTimeoutCommit};
  expect_some_seed_breaks(options, 300, run_twopc_sim, found(Kind::AcknowledgedAbortCommitted, Outcome::Committed));
}

TEST(TwoPcSimPlantedBug, ParticipantTimeoutAbortAbortsAnAcknowledgedCommit) {
  TwoPcSimOptions options;
  options.bugs = {Bug::ParticipantTimeoutAbort};
  expect_some_seed_breaks(options, 300, run_twopc_sim, found(Kind::AcknowledgedCommitNotCommitted, Outcome::Aborted));
}

TEST(TwoPcSimPlantedBug, NoDecisionLogAbortsCommitsAfterACoordinatorCrash) {
  TwoPcSimOptions options;
  options.bugs = {Bug::NoDecisionLog};
  expect_some_seed_breaks(options, 300, run_twopc_sim, found(Kind::AcknowledgedCommitNotCommitted, Outcome::Aborted));
}

TEST(TwoPcSimPlantedBug, VoteBeforePersistForgetsAPreparedTransfer) {
  TwoPcSimOptions options;
  options.bugs = {Bug::VoteBeforePersist};
  options.partitions = false;  // kill -9 is what it takes
  expect_some_seed_breaks(options, 300, run_twopc_sim, [](const TwoPcSimResult& r) {
    return found(Kind::MixedOutcome, Outcome::Missing)(r) && !r.check.balances.empty();
  });
}

}  // namespace
}  // namespace faultline::tests::sim
