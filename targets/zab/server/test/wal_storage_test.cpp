// The ZAB server's WalStorage on a real temp directory: what was synced survives a
// restart (hard state, truncations, transactions), what was not is lost as in a crash.

#include "targets/zab/server/wal_storage.h"

#include <gtest/gtest.h>

#include "targets/common/test/test_util.h"
#include "targets/zab/core/wire.h"

namespace faultline::targets::zab::server {
namespace {

using common::testing_util::TempDir;

Ready proposals(Epoch epoch, uint32_t from, uint32_t to) {
  Ready ready;
  ready.hard_state = HardState{epoch, epoch};
  for (uint32_t c = from; c <= to; ++c)
    ready.txns.push_back(Txn{make_zxid(epoch, c), TxnType::Command, "v" + std::to_string(c)});
  return ready;
}

std::unique_ptr<WalStorage> open_storage(const TempDir& dir) {
  auto storage = WalStorage::open(dir.path() / "data");
  EXPECT_TRUE(storage) << storage.error().message;
  return storage ? std::move(*storage) : nullptr;
}

TEST(ZabWalStorage, SyncedHistorySurvivesARestart) {
  TempDir dir;
  Durable expected;
  {
    auto storage = open_storage(dir);
    ASSERT_TRUE(storage);
    EXPECT_TRUE(storage->take_recovered().history.empty());
    for (uint32_t c = 1; c <= 50; c += 10) {
      Ready ready = proposals(1, c, c + 9);
      persist(expected, ready);
      storage->save(ready);
      storage->sync();
    }
    Ready trunc;  // a new leader's TRUNC, then its own history
    trunc.truncate_after = make_zxid(1, 45);
    trunc.hard_state = HardState{2, 2};
    trunc.txns = {Txn{make_zxid(2, 1), TxnType::Sync, "n1\n5"}};
    persist(expected, trunc);
    storage->save(trunc);
    storage->sync();
    EXPECT_EQ(storage->syncs(), 6u);
  }
  auto reopened = open_storage(dir);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->recovery().records, 5u * 2 + 3);
  const Durable disk = reopened->take_recovered();
  EXPECT_EQ(disk.hard_state, expected.hard_state);
  EXPECT_EQ(disk.history, expected.history);
  EXPECT_EQ(disk.history.size(), 46u);
}

TEST(ZabWalStorage, UnsyncedProposalsAreLostAsInACrash) {
  TempDir dir;
  {
    auto storage = open_storage(dir);
    ASSERT_TRUE(storage);
    storage->save(proposals(1, 1, 5));
    storage->sync();
    storage->save(proposals(1, 6, 9));  // never synced
  }
  auto reopened = open_storage(dir);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->take_recovered().history.size(), 5u);
}

TEST(ZabWalStorage, SyncWithNothingSavedDoesNoFsync) {
  TempDir dir;
  auto storage = open_storage(dir);
  ASSERT_TRUE(storage);
  storage->sync();
  storage->save(Ready{});  // an empty persist part writes nothing
  storage->sync();
  EXPECT_EQ(storage->syncs(), 0u);
}

TEST(ZabWalStorage, ACorruptRecordIsAnErrorNamingIt) {
  TempDir dir;
  {
    auto storage = open_storage(dir);
    ASSERT_TRUE(storage);
    storage->save(proposals(1, 1, 2));
    storage->sync();
  }
  // A well-framed record that is not a zab record: corruption, not a torn tail.
  {
    auto wal = common::Wal::open(WalStorage::wal_dir(dir.path() / "data"), [](std::string_view) {});
    ASSERT_TRUE(wal);
    (*wal)->append(std::string(1, '\x09'));
    ASSERT_TRUE((*wal)->sync());
  }
  auto reopened = WalStorage::open(dir.path() / "data");
  ASSERT_FALSE(reopened);
  EXPECT_NE(reopened.error().message.find("record 3"), std::string::npos) << reopened.error().message;
}

}  // namespace
}  // namespace faultline::targets::zab::server
