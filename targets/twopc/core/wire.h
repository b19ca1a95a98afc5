#pragma once
// The bytes of the 2PC target: peer messages on the wire, the records of each role's
// write-ahead log with the replay that turns them back into the Durable a node restarts
// from, and the 2PC client calls carried in the shared key-value client protocol
// (targets/common/kv.h), so that the shared server I/O and KvClient serve them too:
//   transfer  kind Put, key "transfer", value encode(txn, from, to, amount)
//   read-all  kind Get, key "read-all", value encode(txn)
//   audit     kind Get, key "audit" (to a participant)
// Pure functions over bytes; thread-safe. Every decoder returns an Error for truncated or
// garbage input, never crashes or reads past it.

#include <string>
#include <string_view>

#include "base/result.h"
#include "targets/common/kv.h"
#include "targets/twopc/core/coordinator.h"
#include "targets/twopc/core/participant.h"
#include "targets/twopc/core/types.h"

namespace faultline::targets::twopc {

// One peer message, every field.
std::string encode_message(const Message& message);
base::Result<Message> decode_message(std::string_view bytes);

// WAL records: a participant logs one TxnRecord per record, a coordinator one Decision;
// replay applies one to a disk image exactly as persist() applies the Ready it came from.
// Error: a record that does not decode (the WAL already dropped a torn tail; anything
// else is corruption).
std::string encode_record(const TxnRecord& record);
base::Status replay_record(ParticipantDurable& disk, std::string_view record);
std::string encode_record(const Decision& decision);
base::Status replay_record(CoordinatorDurable& disk, std::string_view record);

// A 2PC client call as a key-value Request (client id and seq left 0, for the client to
// set), and back. Error: a request that is none of the three calls, or does not decode.
enum class Call : uint8_t { Transaction, Audit };
struct ClientCall {
  Call call = Call::Transaction;
  Request request;  // Transaction only
};
common::Request to_kv_request(const ClientCall& call);
base::Result<ClientCall> from_kv_request(const common::Request& request);

// The value of an ok read-all reply, and of an ok audit reply.
std::string encode_balances(const Balances& balances);
base::Result<Balances> decode_balances(std::string_view bytes);
std::string encode_audit(const Audit& audit);
base::Result<Audit> decode_audit(std::string_view bytes);

}  // namespace faultline::targets::twopc
