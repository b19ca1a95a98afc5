#pragma once
// Participant: one shard of the bank in two-phase commit, a deterministic state machine
// like the other cores (STYLE.md §1-2): step(message), tick(now), then ready() lists what
// to persist (transaction records: the write-ahead log), then what to send, and
// advance() once the shell has done it. Phase 1: a Prepare locks the transaction's
// accounts (no-wait: a conflicting lock means vote no), checks funds (no balance goes
// negative), logs "prepared" and only then votes yes — the Ready order puts the record
// on disk before the vote leaves. Phase 2: Commit applies the changes, Abort drops them;
// both release the locks and are acknowledged. A prepared transaction is in doubt: it
// stays locked, across restarts too, and asks the coordinator every query_ms until it
// learns the outcome — 2PC blocks when the coordinator is unreachable, and the time each
// transaction spent in doubt is kept for the audit. A ReadAll prepares with read locks on
// every account of this participant and votes yes with their balances. Time comes only
// from tick(now). Not thread-safe.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "targets/common/shell.h"
#include "targets/twopc/bugs.h"
#include "targets/twopc/core/types.h"

namespace faultline::targets::twopc {

struct ParticipantConfig {
  NodeId id;
  Topology topology;
  int64_t query_ms = 500;  // an in-doubt transaction asks the coordinator this often
  // After this long in doubt the planted ParticipantTimeoutCommit/Abort decide alone;
  // the correct participant never does.
  int64_t decision_timeout_ms = 2000;
  Bugs bugs;
};

// One transaction as this participant logs it: a record of the write-ahead log, written
// whole at every change of state (the last one wins on replay).
struct TxnRecord {
  TxnId txn = 0;
  TxnState state = TxnState::Prepared;
  TxnKind kind = TxnKind::Transfer;
  std::vector<Change> changes;       // this participant's part of a transfer
  std::vector<NodeId> participants;  // every participant of it; empty if never prepared here
  AbortReason reason = AbortReason::None;  // why it aborted here, if this participant voted no
  int64_t prepared_at_ms = -1;  // when it voted yes; -1: never prepared here
  int64_t decided_at_ms = -1;   // when it learned (or took) the outcome; -1: not yet
  bool operator==(const TxnRecord&) const = default;
};

// What the disk holds: the last record of every transaction. Balances are not stored:
// they are the initial balance plus every committed change, replayed at start.
struct ParticipantDurable {
  std::map<TxnId, TxnRecord> txns;
};

struct ParticipantReady {
  // 1. Persist (fsync) before anything below leaves the process.
  std::vector<TxnRecord> records;
  // 2. Send.
  std::vector<Message> messages;

  bool empty() const { return records.empty() && messages.empty(); }
};

// Applies the persist part of `ready` to a disk image (the simulator's disk, the WAL replay).
void persist(ParticipantDurable& disk, const ParticipantReady& ready);

// What a participant saw, for the checker: every transaction with its state and how long
// it was (or still is) in doubt, and the committed balances.
struct AuditEntry {
  TxnId txn = 0;
  TxnState state = TxnState::Aborted;
  std::vector<NodeId> participants;  // as the Prepare named them; empty if never prepared
  int64_t blocked_ms = 0;  // prepared until decided (or until now, if still prepared)
};
struct Audit {
  NodeId node;
  std::vector<AuditEntry> txns;  // in txn id order
  Balances balances;
};

class Participant {
 public:
  // A participant starting from `disk` at `now_ms`: committed changes replayed, every
  // prepared transaction locked again and in doubt (it asks at the first tick).
  Participant(ParticipantConfig config, const ParticipantDurable& disk, int64_t now_ms);

  void step(const Message& message);
  void tick(int64_t now_ms);

  // What to persist and send; the same until advance(). The shell runs it in order.
  ParticipantReady ready() const;
  void apply(const ParticipantReady&) {}  // a participant answers no clients
  void advance();

  base::Status check_invariants() const;

  const ParticipantConfig& config() const { return config_; }
  const NodeId& id() const { return config_.id; }
  Audit audit() const;
  const Balances& balances() const { return balances_; }
  // Transactions prepared here and not yet decided.
  const std::set<TxnId>& in_doubt() const { return in_doubt_; }
  // Commit decisions for transactions this participant has no record of: its prepared
  // record was lost (never with a correct shell). Nothing can be applied for them.
  int64_t commits_of_unknown() const { return commits_of_unknown_; }

 private:
  bool has(Bug bug) const { return config_.bugs.count(bug) != 0; }
  void on_prepare(const Message& m);
  void on_decision(const Message& m, TxnState outcome);
  // Why `m` cannot be prepared here, or None.
  AbortReason refuse(const Message& m) const;
  void vote(const Message& prepare, const TxnRecord& record);
  void finish(TxnRecord& record, TxnState outcome);
  void lock(const TxnRecord& record);
  void unlock(const TxnRecord& record);
  void log(const TxnRecord& record);
  void send(Message m);
  std::vector<Account> accounts_locked_by(const TxnRecord& record) const;

  ParticipantConfig config_;
  std::vector<Account> accounts_;  // the accounts this participant holds
  int64_t now_ms_;
  Balances balances_;  // committed
  std::map<TxnId, TxnRecord> txns_;
  std::set<TxnId> in_doubt_;
  std::map<TxnId, int64_t> asked_at_;  // in-doubt transactions: when the coordinator was last asked
  std::map<Account, TxnId> writer_;    // write locks (transfers)
  std::map<Account, std::set<TxnId>> readers_;  // read locks (ReadAll)
  int64_t commits_of_unknown_ = 0;

  ParticipantReady pending_;
  std::string violation_;
};

using ParticipantStorage = common::Storage<ParticipantReady>;

// Whether the participant's shell skips the sync before sending: only with the planted
// VoteBeforePersist, whose vote then leaves while "prepared" is only buffered (the
// shell's periodic flush writes it later). The simulator and the server both ask here.
inline bool skips_sync(const Participant& node) { return node.config().bugs.count(Bug::VoteBeforePersist) != 0; }

// Runs one Ready in durability order (targets/common/shell.h).
template <class SendFn>
bool run_ready(Participant& node, ParticipantStorage& storage, SendFn&& send) {
  return common::run_ready(node, storage, skips_sync(node), std::forward<SendFn>(send));
}

}  // namespace faultline::targets::twopc
