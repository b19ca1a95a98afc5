#pragma once
// BankClient: the client of the 2PC target, used by the workloads and the e2e tests.
// Each call is one request of the shared client protocol (core/wire.h encodes the calls
// into it) sent through common::KvClient, which decides the outcome (STYLE.md §8): ok
// (committed; a read-all with its balances, an audit), fail (certainly not: the
// transaction was aborted, or the request was refused) or info (unknown: a timeout, a
// lost connection — the transaction may still commit). Transactions go to the
// coordinator; an audit goes to the participant it names. Not thread-safe: one instance
// per client thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "targets/common/kv_client.h"
#include "targets/twopc/core/participant.h"
#include "targets/twopc/core/types.h"

namespace faultline::targets::twopc::client {

using common::Outcome;
using common::OutcomeType;

class BankClient {
 public:
  // `nodes`: every node's name -> "host:port" of its client port; `coordinator`: the
  // coordinator's name, one of them (precondition). `timeout`: the whole of one call.
  BankClient(std::map<std::string, std::string> nodes, std::string coordinator, uint64_t client_id,
             std::chrono::milliseconds timeout);
  ~BankClient();

  // Moves `amount` from one account to another as transaction `txn` (unique: never
  // re-use one). ok: committed; fail: aborted (error: why); info: unknown.
  Outcome transfer(TxnId txn, Account from, Account to, Amount amount);
  // Reads every balance as transaction `txn`, one snapshot under read locks. ok fills
  // `balances`; fail: aborted (a lock conflict); an ok reply that does not decode is info.
  Outcome read_all(TxnId txn, Balances& balances);
  // What participant `node` saw (every transaction, its state, how long it was in
  // doubt; the committed balances). ok fills `audit`; fail: `node` is not a node, or
  // not a participant.
  Outcome audit(const std::string& node, Audit& audit);

 private:
  common::KvClient& link_to(const std::string& node);

  std::map<std::string, std::string> nodes_;
  std::string coordinator_;
  uint64_t client_id_;
  std::chrono::milliseconds timeout_;
  std::map<std::string, std::unique_ptr<common::KvClient>> links_;  // one per node called
};

}  // namespace faultline::targets::twopc::client
