// The ZAB target's bytes: peer messages and WAL records round-trip every field, a
// replayed WAL is the image persist() makes of the same Readies, and truncated or
// garbage input is an error, never a crash.

#include "targets/zab/core/wire.h"

#include <gtest/gtest.h>

#include "targets/common/test/test_util.h"

namespace faultline::targets::zab {
namespace {

Txn txn(Epoch epoch, uint32_t counter, std::string data = "x") {
  return Txn{make_zxid(epoch, counter), TxnType::Command, std::move(data)};
}

Message full_message() {
  Message m;
  m.type = MessageType::NewLeader;
  m.from = "n2";
  m.to = "n3";
  m.epoch = 7;
  m.vote = Vote{"n2", make_zxid(6, 40), 6};
  m.round = 12;
  m.state = ServerState::Leading;
  m.current_epoch = 6;
  m.zxid = make_zxid(6, 38);
  m.txns = {txn(6, 39, "put k v"), Txn{make_zxid(6, 40), TxnType::Sync, "n3\n77"},
            txn(7, 1, std::string("\0\xff\x01", 3))};
  m.whole = true;
  m.context = 0xfeedULL << 32;
  return m;
}

TEST(ZabWire, MessageRoundTripsEveryField) {
  auto decoded = decode_message(encode_message(full_message()));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, full_message());
  Message ping;
  ping.type = MessageType::Ping;
  ping.from = "n1";
  ping.to = "n2";
  EXPECT_EQ(*decode_message(encode_message(ping)), ping);
}

TEST(ZabWire, EveryTruncationOfAMessageIsAnError) {
  const std::string bytes = encode_message(full_message());
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(decode_message(bytes.substr(0, n))) << "prefix of " << n << " bytes";
  auto trailing = decode_message(bytes + "x");
  ASSERT_FALSE(trailing);
  EXPECT_NE(trailing.error().message.find("zab message"), std::string::npos);
}

TEST(ZabWire, UnknownMessageTypeOrServerStateIsAnError) {
  std::string bytes = encode_message(full_message());
  bytes[0] = 12;  // one past SyncRequest
  EXPECT_FALSE(decode_message(bytes));
  Message m = full_message();
  m.txns.clear();
  bytes = encode_message(m);
  // The state byte sits right after the round; find it by changing the state.
  m.state = ServerState::Following;
  const std::string other = encode_message(m);
  size_t at = 0;
  while (bytes[at] == other[at]) ++at;
  bytes[at] = 3;
  EXPECT_FALSE(decode_message(bytes));
}

TEST(ZabWire, GarbageAndFlippedBytesAreErrorsNotCrashes) {
  const std::string good = encode_message(full_message());
  common::testing_util::for_each_damaged(good, 7, 20000, [](const std::string& bytes) {
    (void)decode_message(bytes);
    Durable disk;
    (void)replay_record(disk, bytes);
  });
}

// The WAL holds each Ready's persist part as records; replaying them gives what
// persist() (the simulator's disk) gives for the same Readies, truncations included.
TEST(ZabWal, ReplayMatchesPersistOfTheSameReadies) {
  std::vector<Ready> readies(4);
  readies[0].hard_state = HardState{1, 1};
  readies[0].txns = {txn(1, 1), txn(1, 2), txn(1, 3)};
  readies[1].hard_state = HardState{2, 1};
  readies[2].truncate_after = make_zxid(1, 1);  // a new leader's TRUNC
  readies[2].txns = {txn(1, 2, "other"), txn(2, 1)};
  readies[2].hard_state = HardState{2, 2};
  readies[3].truncate_after = 0;  // everything
  readies[3].txns = {txn(3, 1)};
  Durable expected, replayed;
  for (const Ready& ready : readies) {
    persist(expected, ready);
    std::vector<std::string> records;  // as WalStorage::save writes them
    if (ready.hard_state) records.push_back(encode_hard_state_record(*ready.hard_state));
    if (ready.truncate_after) records.push_back(encode_truncate_record(*ready.truncate_after));
    if (!ready.txns.empty()) records.push_back(encode_txns_record(ready.txns));
    for (const auto& record : records) ASSERT_TRUE(replay_record(replayed, record));
    EXPECT_EQ(replayed.hard_state, expected.hard_state);
    EXPECT_EQ(replayed.history, expected.history);
  }
  ASSERT_EQ(replayed.history.size(), 1u);
  EXPECT_EQ(replayed.history[0].zxid, make_zxid(3, 1));
}

TEST(ZabWal, UnknownOrTruncatedRecordIsAnError) {
  Durable disk;
  EXPECT_FALSE(replay_record(disk, ""));
  EXPECT_FALSE(replay_record(disk, std::string(1, '\x09')));
  const std::string record = encode_txns_record({txn(1, 1), txn(1, 2)});
  for (size_t n = 1; n < record.size(); ++n) EXPECT_FALSE(replay_record(disk, record.substr(0, n))) << n;
  EXPECT_TRUE(disk.history.empty()) << "a bad record changes nothing";
}

}  // namespace
}  // namespace faultline::targets::zab
