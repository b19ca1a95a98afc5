#pragma once
// The two-phase-commit vocabulary (Gray, "Notes on Data Base Operating Systems", 1978;
// presumed abort: Mohan, Lindsay, Obermarck, "Transaction Management in the R*
// Distributed Database Management System", 1986): a bank whose accounts are sharded
// across participants, the transactions a client asks the coordinator for (a transfer,
// a read of every balance), and the messages of the two phases. Plain data.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace faultline::targets::twopc {

using NodeId = std::string;  // "n1", "n2", ...
using TxnId = uint64_t;      // chosen by the client, unique per transaction, never 0
using Account = int64_t;     // 0 .. accounts-1
using Amount = int64_t;
using Balances = std::map<Account, Amount>;

// Who is who. Account `a` lives on participants[a % participants.size()].
struct Topology {
  NodeId coordinator;
  std::vector<NodeId> participants;  // the shard order; never empty
  int64_t accounts = 0;
  Amount initial_balance = 0;  // every account's balance before any transaction
};

// The participant holding `account`. Precondition: 0 <= account < topology.accounts.
const NodeId& owner(const Topology& topology, Account account);
// The accounts `participant` holds, ascending.
std::vector<Account> accounts_of(const Topology& topology, const NodeId& participant);
bool valid_account(const Topology& topology, Account account);

enum class TxnKind : uint8_t {
  Transfer = 0,  // move `amount` from one account to another
  ReadAll = 1,   // read every balance under read locks on every participant: one snapshot
};
std::string_view to_string(TxnKind kind);

// A transaction's state on one participant. Prepared: voted yes, locked, waiting for the
// decision (in doubt). Committed and Aborted are final.
enum class TxnState : uint8_t { Prepared = 0, Committed = 1, Aborted = 2 };
std::string_view to_string(TxnState state);

// Why a transaction was aborted (for the client's reply and the logs).
enum class AbortReason : uint8_t {
  None = 0,
  Conflict = 1,           // an account was locked by another transaction (no-wait locking)
  InsufficientFunds = 2,  // the debit would make a balance negative
  Timeout = 3,            // not every vote arrived in time
  Invalid = 4,            // bad request: unknown account, amount <= 0, from == to
  Unknown = 5,            // presumed abort: the coordinator has no record of it
};
std::string_view to_string(AbortReason reason);

// A client's request to the coordinator.
struct Request {
  TxnId txn = 0;
  TxnKind kind = TxnKind::Transfer;
  Account from = 0;  // Transfer only
  Account to = 0;
  Amount amount = 0;
  bool operator==(const Request&) const = default;
};

// The coordinator's definite answer. Unknown outcomes (timeouts, lost connections) are
// the client's to decide (STYLE.md §8); the coordinator never sends one.
enum class ReplyStatus : uint8_t { Committed = 0, Aborted = 1 };
std::string_view to_string(ReplyStatus status);

struct Reply {
  TxnId txn = 0;
  ReplyStatus status = ReplyStatus::Aborted;
  AbortReason reason = AbortReason::None;
  Balances balances;  // a committed ReadAll: every account's balance
  bool operator==(const Reply&) const = default;
};

// One participant's part of a transfer: add `delta` to `account`.
struct Change {
  Account account = 0;
  Amount delta = 0;
  bool operator==(const Change&) const = default;
};

enum class MessageType : uint8_t {
  Prepare = 0,  // phase 1, coordinator -> participant: lock, log "prepared", vote
  Vote = 1,     // participant -> coordinator: yes (prepared) or no (aborted here)
  Commit = 2,   // phase 2, coordinator -> participant: the decision
  Abort = 3,
  Ack = 4,      // participant -> coordinator: the decision is applied and logged
  Query = 5,    // in-doubt participant -> coordinator: what was decided?
};
std::string_view to_string(MessageType type);

struct Message {
  MessageType type = MessageType::Prepare;
  NodeId from;
  NodeId to;
  TxnId txn = 0;
  TxnKind kind = TxnKind::Transfer;   // Prepare
  std::vector<Change> changes;        // Prepare of a Transfer: this participant's part
  std::vector<NodeId> participants;   // Prepare: every participant of the transaction
  bool yes = false;                   // Vote
  AbortReason reason = AbortReason::None;  // Vote no
  Balances balances;                  // Vote yes on a ReadAll: this participant's balances
  bool operator==(const Message&) const = default;
};

}  // namespace faultline::targets::twopc
