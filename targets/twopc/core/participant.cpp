#include "targets/twopc/core/participant.h"

#include <algorithm>

namespace faultline::targets::twopc {

void persist(ParticipantDurable& disk, const ParticipantReady& ready) {
  for (const auto& record : ready.records) disk.txns[record.txn] = record;
}

Participant::Participant(ParticipantConfig config, const ParticipantDurable& disk, int64_t now_ms)
    : config_(std::move(config)), accounts_(accounts_of(config_.topology, config_.id)), now_ms_(now_ms) {
  for (Account a : accounts_) balances_[a] = config_.topology.initial_balance;
  for (const auto& [txn, record] : disk.txns) {
    txns_[txn] = record;
    if (record.state == TxnState::Committed) {
      for (const Change& c : record.changes) balances_[c.account] += c.delta;
    } else if (record.state == TxnState::Prepared) {
      // In doubt: the yes vote may have been counted, so the locks must hold until the
      // coordinator says otherwise (the blocking that 2PC cannot avoid).
      lock(record);
      in_doubt_.insert(txn);
    }
  }
}

void Participant::send(Message m) {
  m.from = config_.id;
  pending_.messages.push_back(std::move(m));
}

void Participant::log(const TxnRecord& record) {
  txns_[record.txn] = record;
  pending_.records.push_back(record);
}

std::vector<Account> Participant::accounts_locked_by(const TxnRecord& record) const {
  if (record.kind == TxnKind::ReadAll) return accounts_;
  std::vector<Account> out;
  for (const Change& c : record.changes) out.push_back(c.account);
  return out;
}

void Participant::lock(const TxnRecord& record) {
  for (Account a : accounts_locked_by(record)) {
    if (record.kind == TxnKind::ReadAll) {
      readers_[a].insert(record.txn);
    } else {
      writer_[a] = record.txn;
    }
  }
}

void Participant::unlock(const TxnRecord& record) {
  for (Account a : accounts_locked_by(record)) {
    if (record.kind == TxnKind::ReadAll) {
      auto it = readers_.find(a);
      if (it == readers_.end()) continue;
      it->second.erase(record.txn);
      if (it->second.empty()) readers_.erase(it);
    } else if (auto it = writer_.find(a); it != writer_.end() && it->second == record.txn) {
      writer_.erase(it);
    }
  }
}

void Participant::step(const Message& m) {
  switch (m.type) {
    case MessageType::Prepare: on_prepare(m); break;
    case MessageType::Commit: on_decision(m, TxnState::Committed); break;
    case MessageType::Abort: on_decision(m, TxnState::Aborted); break;
    default: break;  // votes, acks and queries are the coordinator's
  }
}

AbortReason Participant::refuse(const Message& m) const {
  if (m.kind == TxnKind::ReadAll) {
    for (Account a : accounts_)
      if (writer_.count(a)) return AbortReason::Conflict;
    return AbortReason::None;
  }
  std::map<Account, Amount> net;
  for (const Change& c : m.changes) {
    if (!balances_.count(c.account)) return AbortReason::Invalid;
    net[c.account] += c.delta;
  }
  for (const auto& [a, delta] : net) {
    // No-wait locking: a conflict is a no vote, never a wait, so there are no deadlocks.
    if (writer_.count(a) || readers_.count(a)) return AbortReason::Conflict;
    if (balances_.at(a) + delta < 0) return AbortReason::InsufficientFunds;
  }
  return AbortReason::None;
}

void Participant::vote(const Message& prepare, const TxnRecord& record) {
  Message v;
  v.type = MessageType::Vote;
  v.to = prepare.from;
  v.txn = record.txn;
  v.kind = record.kind;
  v.yes = record.state != TxnState::Aborted;
  v.reason = record.reason;
  if (v.yes && record.kind == TxnKind::ReadAll) v.balances = balances_;  // read-locked: stable
  send(std::move(v));
}

void Participant::on_prepare(const Message& m) {
  if (auto it = txns_.find(m.txn); it != txns_.end()) {
    // A repeated Prepare (the coordinator re-sends until it has every vote): the same
    // vote again. Aborted here (voted no, or the abort overtook the Prepare) stays no.
    vote(m, it->second);
    return;
  }
  TxnRecord record;
  record.txn = m.txn;
  record.kind = m.kind;
  record.changes = m.changes;
  record.participants = m.participants;
  record.reason = refuse(m);
  if (record.reason != AbortReason::None) {
    // A participant may abort alone as long as it has not voted yes.
    record.state = TxnState::Aborted;
    record.decided_at_ms = now_ms_;
  } else {
    record.state = TxnState::Prepared;
    record.prepared_at_ms = now_ms_;
    lock(record);
    in_doubt_.insert(record.txn);
  }
  log(record);
  vote(m, record);  // after the record in the Ready: durable before the vote leaves
}

void Participant::finish(TxnRecord& record, TxnState outcome) {
  if (record.state != TxnState::Prepared) {
    violation_ = "transaction " + std::to_string(record.txn) + " decided twice";
    return;
  }
  unlock(record);
  if (outcome == TxnState::Committed)
    for (const Change& c : record.changes) balances_[c.account] += c.delta;
  record.state = outcome;
  record.decided_at_ms = now_ms_;
  in_doubt_.erase(record.txn);
  asked_at_.erase(record.txn);
  log(record);
}

void Participant::on_decision(const Message& m, TxnState outcome) {
  auto it = txns_.find(m.txn);
  if (it == txns_.end()) {
    if (outcome == TxnState::Committed) {
      ++commits_of_unknown_;  // only a lost prepared record leads here; nothing to apply
    } else {
      // The abort overtook its Prepare (or the Prepare was lost): remember it, so a late
      // Prepare is refused instead of locking for nothing.
      TxnRecord record;
      record.txn = m.txn;
      record.state = TxnState::Aborted;
      record.decided_at_ms = now_ms_;
      log(record);
    }
  } else if (it->second.state == TxnState::Prepared) {
    finish(it->second, outcome);
  }
  // Already final: a repeated decision. (With a planted timeout bug it may contradict
  // what this participant decided alone; that cannot be undone, and the audit shows it.)
  Message ack;
  ack.type = MessageType::Ack;
  ack.to = m.from;
  ack.txn = m.txn;
  send(std::move(ack));
}

void Participant::tick(int64_t now_ms) {
  now_ms_ = now_ms;
  const std::vector<TxnId> doubtful(in_doubt_.begin(), in_doubt_.end());
  for (TxnId txn : doubtful) {
    TxnRecord& record = txns_.at(txn);
    if (now_ms_ - record.prepared_at_ms >= config_.decision_timeout_ms) {
      // The planted bugs: a yes vote is a promise to wait for the coordinator; these
      // break it once the wait is long.
      if (has(Bug::ParticipantTimeoutCommit)) {
        finish(record, TxnState::Committed);
        continue;
      }
      if (has(Bug::ParticipantTimeoutAbort)) {
        finish(record, TxnState::Aborted);
        continue;
      }
    }
    auto asked = asked_at_.find(txn);
    if (asked != asked_at_.end() && now_ms_ - asked->second < config_.query_ms) continue;
    asked_at_[txn] = now_ms_;
    Message query;
    query.type = MessageType::Query;
    query.to = config_.topology.coordinator;
    query.txn = txn;
    send(std::move(query));
  }
}

ParticipantReady Participant::ready() const { return pending_; }

void Participant::advance() { pending_ = ParticipantReady(); }

Audit Participant::audit() const {
  Audit out;
  out.node = config_.id;
  out.balances = balances_;
  for (const auto& [txn, record] : txns_) {
    AuditEntry e;
    e.txn = txn;
    e.state = record.state;
    e.participants = record.participants;
    if (record.prepared_at_ms >= 0)
      e.blocked_ms = (record.decided_at_ms >= 0 ? record.decided_at_ms : now_ms_) - record.prepared_at_ms;
    out.txns.push_back(std::move(e));
  }
  return out;
}

base::Status Participant::check_invariants() const {
  auto broken = [&](const std::string& what) { return base::Error{config_.id + ": " + what}; };
  if (!violation_.empty()) return broken(violation_);
  for (const auto& [a, balance] : balances_)
    if (balance < 0) return broken("account " + std::to_string(a) + " has a negative balance");
  // Exactly the in-doubt transactions hold locks, and each holds all of its own.
  std::map<Account, TxnId> writers;
  std::map<Account, std::set<TxnId>> readers;
  for (TxnId txn : in_doubt_) {
    const TxnRecord& record = txns_.at(txn);
    if (record.state != TxnState::Prepared)
      return broken("transaction " + std::to_string(txn) + " is in doubt but " +
                    std::string(to_string(record.state)));
    for (Account a : accounts_locked_by(record)) {
      if (record.kind == TxnKind::ReadAll) {
        readers[a].insert(txn);
      } else if (!writers.emplace(a, txn).second) {
        return broken("account " + std::to_string(a) + " write-locked by two transactions");
      }
    }
  }
  if (writers != writer_ || readers != readers_) return broken("locks differ from the prepared transactions");
  for (const auto& [a, txn] : writers)
    if (readers.count(a)) return broken("account " + std::to_string(a) + " read- and write-locked");
  return base::ok_status();
}

}  // namespace faultline::targets::twopc
