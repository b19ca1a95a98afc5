// The Raft target's bytes: peer messages and WAL records round-trip every field, and
// truncated or garbage input is an error, never a crash.

#include "targets/raft/core/wire.h"

#include <gtest/gtest.h>

#include "targets/common/test/test_util.h"

namespace faultline::targets::raft {
namespace {

Entry entry(Index index, Term term, std::string data = "x") {
  return Entry{term, index, EntryType::Command, std::move(data)};
}

Message full_message() {
  Message m;
  m.type = MessageType::InstallSnapshot;
  m.from = "n1";
  m.to = "n3";
  m.term = 7;
  m.log_index = 41;
  m.log_term = 6;
  m.entries = {entry(42, 7, "put k v"), Entry{7, 43, EntryType::Noop, ""},
               entry(44, 7, std::string("\0\xff\x01", 3))};
  m.commit = 40;
  m.success = true;
  m.match = 44;
  m.hint = 12;
  m.round = 99;
  m.snapshot = Snapshot{SnapshotMeta{30, 5, 0xdeadbeefcafef00dULL, {"n1", "n2", "n3"}},
                        std::string(1000, 'S')};
  return m;
}

TEST(RaftWire, MessageRoundTripsEveryField) {
  const Message m = full_message();
  auto decoded = decode_message(encode_message(m));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, m);
}

TEST(RaftWire, MessageWithoutSnapshotRoundTrips) {
  Message m;
  m.type = MessageType::RequestVoteReply;
  m.from = "n2";
  m.to = "n1";
  m.term = 3;
  auto decoded = decode_message(encode_message(m));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, m);
  EXPECT_FALSE(decoded->snapshot.has_value());
}

TEST(RaftWire, EveryTruncationOfAMessageIsAnError) {
  const std::string bytes = encode_message(full_message());
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(decode_message(bytes.substr(0, n))) << "prefix of " << n << " bytes";
}

TEST(RaftWire, TrailingBytesAreAnError) {
  auto decoded = decode_message(encode_message(full_message()) + "x");
  ASSERT_FALSE(decoded);
  EXPECT_NE(decoded.error().message.find("raft message"), std::string::npos);
}

TEST(RaftWire, UnknownMessageTypeIsAnError) {
  std::string bytes = encode_message(full_message());
  bytes[0] = 9;
  EXPECT_FALSE(decode_message(bytes));
}

TEST(RaftWire, GarbageAndFlippedBytesAreErrorsNotCrashes) {
  const std::string good = encode_message(full_message());
  common::testing_util::for_each_damaged(good, 42, 20000, [](const std::string& bytes) {
    (void)decode_message(bytes);
    (void)decode_snapshot_file(bytes);
    DurableReplay replay(std::nullopt);
    (void)replay.apply_record(bytes);
  });
}

TEST(RaftWire, SnapshotFileRoundTripsAndRejectsTruncation) {
  const Snapshot snapshot = *full_message().snapshot;
  const std::string bytes = encode_snapshot_file(snapshot);
  auto decoded = decode_snapshot_file(bytes);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, snapshot);
  EXPECT_FALSE(decode_snapshot_file(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(decode_snapshot_file(""));
}

// The WAL replay gives exactly what raft::persist gives for the same Readies (the
// simulator's disk model), including suffix replacement after a leader change.
TEST(RaftWal, ReplayMatchesPersistOfTheSameReadies) {
  std::vector<Ready> readies(4);
  readies[0].hard_state = HardState{1, "n1", 0};
  readies[0].entries = {entry(1, 1), entry(2, 1), entry(3, 1)};
  readies[1].hard_state = HardState{2, "n2", 1};
  readies[1].entries = {entry(2, 2, "new"), entry(3, 2)};  // replaces 2..3
  readies[2].entries = {entry(4, 2)};
  readies[3].hard_state = HardState{2, "n2", 4};

  Durable expected;
  DurableReplay replay(std::nullopt);
  for (const auto& ready : readies) {
    persist(expected, ready);
    if (ready.hard_state) {
      ASSERT_TRUE(replay.apply_record(encode_hard_state_record(*ready.hard_state)));
    }
    if (!ready.entries.empty()) {
      ASSERT_TRUE(replay.apply_record(encode_entries_record(ready.entries)));
    }
  }
  auto durable = std::move(replay).finish();
  ASSERT_TRUE(durable) << durable.error().message;
  EXPECT_EQ(durable->hard_state, expected.hard_state);
  EXPECT_EQ(durable->entries, expected.entries);
  ASSERT_EQ(durable->entries.size(), 4u);
  EXPECT_EQ(durable->entries[1].data, "new");
}

TEST(RaftWal, MarkerAndSnapshotFileRestoreTheSnapshotAndLaterEntries) {
  const Snapshot snapshot{SnapshotMeta{3, 1, 77, {"n1"}}, "state"};
  DurableReplay replay(snapshot);
  ASSERT_TRUE(replay.apply_record(encode_entries_record({entry(1, 1), entry(2, 1), entry(3, 1)})));
  ASSERT_TRUE(replay.apply_record(encode_snapshot_marker_record(snapshot.meta)));
  ASSERT_TRUE(replay.apply_record(encode_hard_state_record(HardState{1, "n1", 3})));
  ASSERT_TRUE(replay.apply_record(encode_entries_record({entry(4, 1), entry(5, 1)})));
  auto durable = std::move(replay).finish();
  ASSERT_TRUE(durable) << durable.error().message;
  ASSERT_TRUE(durable->snapshot);
  EXPECT_EQ(*durable->snapshot, snapshot);
  ASSERT_EQ(durable->entries.size(), 2u);
  EXPECT_EQ(durable->entries.front().index, 4u);
}

// A crash after the snapshot file was replaced but before the WAL named it: the file
// decides, and the entries it covers are dropped.
TEST(RaftWal, SnapshotFileNewerThanTheWalTrimsTheLog) {
  const Snapshot snapshot{SnapshotMeta{2, 1, 5, {"n1"}}, "state"};
  DurableReplay replay(snapshot);
  ASSERT_TRUE(replay.apply_record(encode_entries_record({entry(1, 1), entry(2, 1), entry(3, 1)})));
  auto durable = std::move(replay).finish();
  ASSERT_TRUE(durable) << durable.error().message;
  ASSERT_TRUE(durable->snapshot);
  EXPECT_EQ(durable->snapshot->data, "state");
  ASSERT_EQ(durable->entries.size(), 1u);
  EXPECT_EQ(durable->entries.front().index, 3u);
}

TEST(RaftWal, MarkerWithoutItsSnapshotFileIsAnError) {
  DurableReplay replay(std::nullopt);
  ASSERT_TRUE(replay.apply_record(encode_snapshot_marker_record(SnapshotMeta{5, 1, 0, {"n1"}})));
  auto durable = std::move(replay).finish();
  ASSERT_FALSE(durable);
  EXPECT_NE(durable.error().message.find("no snapshot file"), std::string::npos);
}

TEST(RaftWal, NonConsecutiveEntriesRecordIsAnError) {
  DurableReplay replay(std::nullopt);
  EXPECT_FALSE(replay.apply_record(encode_entries_record({entry(1, 1), entry(3, 1)})));
  EXPECT_FALSE(replay.apply_record(std::string("\x07", 1)));  // unknown record type
  EXPECT_FALSE(replay.apply_record(""));
}

}  // namespace
}  // namespace faultline::targets::raft
