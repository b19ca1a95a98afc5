// WalStorage on a real temp directory: what was synced survives a restart, what was
// not is lost as in a crash, and compaction keeps the disk bounded and recoverable.

#include "base/test/temp_dir.h"
#include "targets/raft/server/wal_storage.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace faultline::targets::raft::server {
namespace {

namespace fs = std::filesystem;

using base::TempDir;

Entry entry(Index index, Term term) {
  return Entry{term, index, EntryType::Command, "v" + std::to_string(index)};
}

Ready entries_ready(Index from, Index to, Term term) {
  Ready ready;
  ready.hard_state = HardState{term, "n1", from > 1 ? from - 1 : 0};
  for (Index i = from; i <= to; ++i) ready.entries.push_back(entry(i, term));
  return ready;
}

TEST(RaftWalStorage, SyncedStateSurvivesARestart) {
  TempDir dir;
  Durable expected;
  {
    auto storage = WalStorage::open(dir.path());
    ASSERT_TRUE(storage) << storage.error().message;
    for (Index i = 1; i <= 50; i += 10) {
      Ready ready = entries_ready(i, i + 9, 2);
      persist(expected, ready);
      (*storage)->save(ready);
      (*storage)->sync();
    }
    EXPECT_EQ((*storage)->durable().entries, expected.entries);
  }
  auto reopened = WalStorage::open(dir.path());
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ((*reopened)->durable().hard_state, expected.hard_state);
  EXPECT_EQ((*reopened)->durable().entries, expected.entries);
}

TEST(RaftWalStorage, UnsyncedStateIsLostAsInACrash) {
  TempDir dir;
  {
    auto storage = WalStorage::open(dir.path());
    ASSERT_TRUE(storage);
    (*storage)->save(entries_ready(1, 5, 1));
    (*storage)->sync();
    (*storage)->save(entries_ready(6, 9, 1));  // never synced
  }
  auto reopened = WalStorage::open(dir.path());
  ASSERT_TRUE(reopened);
  ASSERT_EQ((*reopened)->durable().entries.size(), 5u);
}

TEST(RaftWalStorage, CompactionDropsOldSegmentsAndRecovers) {
  TempDir dir;
  Durable expected;
  {
    auto storage = WalStorage::open(dir.path());
    ASSERT_TRUE(storage);
    for (Index i = 1; i <= 300; i += 10) {
      Ready ready = entries_ready(i, i + 9, 3);
      persist(expected, ready);
      (*storage)->save(ready);
      (*storage)->sync();
    }
    Ready compaction;
    compaction.snapshot = Snapshot{SnapshotMeta{250, 3, 1234, {"n1", "n2", "n3"}}, "kv-state"};
    compaction.entries = {entry(301, 3)};
    persist(expected, compaction);
    (*storage)->save(compaction);
    (*storage)->sync();
    Ready after = entries_ready(302, 305, 3);
    persist(expected, after);
    (*storage)->save(after);
    (*storage)->sync();
  }
  size_t segments = 0;
  for (const auto& file : fs::directory_iterator(WalStorage::wal_dir(dir.path())))
    segments += file.path().extension() == ".log";
  EXPECT_EQ(segments, 1u);
  auto reopened = WalStorage::open(dir.path());
  ASSERT_TRUE(reopened) << reopened.error().message;
  const Durable& got = (*reopened)->durable();
  ASSERT_TRUE(got.snapshot);
  EXPECT_EQ(*got.snapshot, *expected.snapshot);
  EXPECT_EQ(got.hard_state, expected.hard_state);
  EXPECT_EQ(got.entries, expected.entries);
  ASSERT_FALSE(got.entries.empty());
  EXPECT_EQ(got.entries.front().index, 251u);
  EXPECT_EQ(got.entries.back().index, 305u);
}

TEST(RaftWalStorage, CorruptSnapshotFileIsAnErrorNamingIt) {
  TempDir dir;
  fs::create_directories(dir.path());
  { std::ofstream(WalStorage::snapshot_path(dir.path())) << "garbage"; }
  auto storage = WalStorage::open(dir.path());
  ASSERT_FALSE(storage);
  EXPECT_NE(storage.error().message.find("snapshot"), std::string::npos);
}

}  // namespace
}  // namespace faultline::targets::raft::server
