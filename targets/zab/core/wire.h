#pragma once
// The bytes of the ZAB target: peer messages on the wire, and the records of a
// server's write-ahead log with the replay that turns them back into the zab::Durable a
// server restarts from. Used by the server shell (send, WAL append, recovery) and by
// tests. Pure functions over bytes; thread-safe. Every decoder returns an Error for
// truncated or garbage input, never crashes or reads past it.

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "targets/zab/core/types.h"
#include "targets/zab/core/zab.h"

namespace faultline::targets::zab {

// One peer message, every field.
std::string encode_message(const Message& message);
base::Result<Message> decode_message(std::string_view bytes);

// WAL records (each one common::Wal record). A Ready's persist part is written as at
// most one of each, in this order, the order persist() applies them.
enum class WalRecordType : uint8_t {
  HardState = 1,  // acceptedEpoch and currentEpoch
  Truncate = 2,   // drop the history after this zxid (0: all of it)
  Txns = 3,       // append these transactions
};
std::string encode_hard_state_record(const HardState& hard_state);
std::string encode_truncate_record(Zxid after);
std::string encode_txns_record(const std::vector<Txn>& txns);

// Applies one WAL record to a disk image, exactly as persist() applies the Ready it
// came from, so a replayed image is the one the simulator's fake disk would hold.
// Error: a record that does not decode (the WAL already dropped a torn tail; anything
// else is corruption).
base::Status replay_record(Durable& disk, std::string_view record);

}  // namespace faultline::targets::zab
