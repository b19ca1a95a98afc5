// The 2PC node's disk: what was synced comes back after a reopen, exactly as persist()
// would have built it; what was only saved is gone, as after kill -9.
#include "targets/twopc/server/wal_storage.h"

#include <gtest/gtest.h>

#include "targets/common/test/test_util.h"

namespace faultline::targets::twopc::server {
namespace {

using common::testing_util::TempDir;

TEST(TwoPcWalStorage, SyncedRecordsAreRecoveredAndUnsyncedOnesAreLost) {
  TempDir dir;
  ParticipantReady synced, unsynced;
  synced.records.push_back(TxnRecord{7, TxnState::Prepared, TxnKind::Transfer, {{0, -5}}, {"n2", "n3"},
                                     AbortReason::None, 1000, -1});
  unsynced.records.push_back(TxnRecord{7, TxnState::Committed, TxnKind::Transfer, {{0, -5}}, {"n2", "n3"},
                                       AbortReason::None, 1000, 1010});
  {
    auto wal = ParticipantWal::open(dir.path());
    ASSERT_TRUE(wal.ok()) << wal.error().message;
    (*wal)->save(synced);
    (*wal)->sync();
    (*wal)->save(unsynced);  // closed without a sync: lost, as in a crash
  }
  auto wal = ParticipantWal::open(dir.path());
  ASSERT_TRUE(wal.ok()) << wal.error().message;
  ParticipantDurable expected;
  persist(expected, synced);
  EXPECT_EQ((*wal)->take_recovered().txns, expected.txns);
}

TEST(TwoPcWalStorage, CoordinatorDecisionsSurviveAReopen) {
  TempDir dir;
  CoordinatorReady ready;
  ready.records = {Decision{7, {"n2", "n3"}, false}, Decision{8, {"n2"}, false}, Decision{7, {"n2", "n3"}, true}};
  {
    auto wal = CoordinatorWal::open(dir.path());
    ASSERT_TRUE(wal.ok()) << wal.error().message;
    (*wal)->save(ready);
    (*wal)->sync();
  }
  auto wal = CoordinatorWal::open(dir.path());
  ASSERT_TRUE(wal.ok()) << wal.error().message;
  CoordinatorDurable expected;
  persist(expected, ready);
  const CoordinatorDurable recovered = (*wal)->take_recovered();
  EXPECT_EQ(recovered.commits, expected.commits);
  EXPECT_TRUE(recovered.commits.at(7).ended);
  EXPECT_EQ((*wal)->recovery().records, 3u);
}

}  // namespace
}  // namespace faultline::targets::twopc::server
