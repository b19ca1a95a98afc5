#include "targets/twopc/core/coordinator.h"

#include <algorithm>

namespace faultline::targets::twopc {

void persist(CoordinatorDurable& disk, const CoordinatorReady& ready) {
  for (const auto& decision : ready.records) disk.commits[decision.txn] = decision;
}

Coordinator::Coordinator(CoordinatorConfig config, const CoordinatorDurable& disk, int64_t now_ms)
    : config_(std::move(config)), now_ms_(now_ms), commits_(disk.commits) {
  // Presumed abort: what was running without a logged commit is forgotten (and aborted
  // when a participant asks); every logged commit is told again until acknowledged.
  for (const auto& [txn, decision] : commits_) {
    if (decision.ended) continue;
    Txn t;
    t.request.txn = txn;
    t.participants = decision.participants;
    t.phase = Phase::Committing;
    t.started_ms = now_ms_;
    t.sent_ms = now_ms_;
    send_decision(t);
    running_.emplace(txn, std::move(t));
  }
}

bool Coordinator::is_participant(const Txn& t, const NodeId& node) const {
  return std::find(t.participants.begin(), t.participants.end(), node) != t.participants.end();
}

void Coordinator::send(MessageType type, const NodeId& to, TxnId txn) {
  Message m;
  m.type = type;
  m.from = id();
  m.to = to;
  m.txn = txn;
  pending_.messages.push_back(std::move(m));
}

void Coordinator::send_prepare(const Txn& t, const NodeId& to) {
  Message m;
  m.type = MessageType::Prepare;
  m.from = id();
  m.to = to;
  m.txn = t.request.txn;
  m.kind = t.request.kind;
  if (auto it = t.changes.find(to); it != t.changes.end()) m.changes = it->second;
  m.participants = t.participants;
  pending_.messages.push_back(std::move(m));
}

void Coordinator::send_decision(const Txn& t) {
  const MessageType type = t.phase == Phase::Committing ? MessageType::Commit : MessageType::Abort;
  for (const auto& p : t.participants)
    if (!t.done.count(p)) send(type, p, t.request.txn);
}

void Coordinator::reply(TxnId txn, ReplyStatus status, AbortReason reason, Balances balances) {
  Reply r;
  r.txn = txn;
  r.status = status;
  r.reason = reason;
  r.balances = std::move(balances);
  pending_.replies.push_back(std::move(r));
}

void Coordinator::log(const Decision& decision) {
  // The planted bug: the decision stays in memory only, so a crash forgets it and
  // presumed abort turns it into an abort for whoever had not heard it yet.
  if (has(Bug::NoDecisionLog)) return;
  pending_.records.push_back(decision);
}

void Coordinator::begin(const Request& request) {
  if (running_.count(request.txn)) return;
  if (commits_.count(request.txn)) {
    reply(request.txn, ReplyStatus::Committed, AbortReason::None);
    return;
  }
  Txn t;
  t.request = request;
  t.started_ms = now_ms_;
  t.sent_ms = now_ms_;
  t.reply_owed = true;
  const Topology& topology = config_.topology;
  if (request.kind == TxnKind::ReadAll) {
    t.participants = topology.participants;
  } else {
    if (request.txn == 0 || !valid_account(topology, request.from) || !valid_account(topology, request.to) ||
        request.from == request.to || request.amount <= 0) {
      reply(request.txn, ReplyStatus::Aborted, AbortReason::Invalid);
      return;
    }
    t.changes[owner(topology, request.from)].push_back(Change{request.from, -request.amount});
    t.changes[owner(topology, request.to)].push_back(Change{request.to, request.amount});
    for (const auto& p : topology.participants)
      if (t.changes.count(p)) t.participants.push_back(p);
  }
  for (const auto& p : t.participants) send_prepare(t, p);
  running_.emplace(request.txn, std::move(t));
}

void Coordinator::decide(Txn& t, Phase outcome, AbortReason reason) {
  const TxnId txn = t.request.txn;
  if (outcome == Phase::Committing) {
    Decision decision{txn, t.participants, false};
    commits_[txn] = decision;
    log(decision);  // in this Ready, so durable before the Commits below leave
    if (t.reply_owed) reply(txn, ReplyStatus::Committed, AbortReason::None, t.balances);
  } else {
    if (commits_.count(txn)) violation_ = "transaction " + std::to_string(txn) + " aborted after its commit";
    if (t.reply_owed) reply(txn, ReplyStatus::Aborted, reason);
  }
  t.phase = outcome;
  t.reply_owed = false;
  t.sent_ms = now_ms_;
  send_decision(t);
}

void Coordinator::maybe_finish(TxnId txn) {
  auto it = running_.find(txn);
  if (it == running_.end() || it->second.phase == Phase::Voting) return;
  const Txn& t = it->second;
  for (const auto& p : t.participants)
    if (!t.done.count(p)) return;
  if (t.phase == Phase::Committing) {
    Decision& decision = commits_.at(txn);
    decision.ended = true;
    log(decision);  // no need to re-send it after a restart
  }
  running_.erase(it);
}

void Coordinator::step(const Message& m) {
  switch (m.type) {
    case MessageType::Vote: on_vote(m); break;
    case MessageType::Ack: on_ack(m); break;
    case MessageType::Query: on_query(m); break;
    default: break;  // prepares and decisions are the participants'
  }
}

void Coordinator::on_vote(const Message& m) {
  auto it = running_.find(m.txn);
  if (it == running_.end()) {
    // A yes for a transaction this coordinator does not run (begun before a restart):
    // presumed abort, unless its commit is logged.
    if (m.yes && !commits_.count(m.txn)) send(MessageType::Abort, m.from, m.txn);
    return;
  }
  Txn& t = it->second;
  if (t.phase != Phase::Voting || !is_participant(t, m.from)) return;  // late: re-sends carry the decision
  if (!m.yes) {
    t.done.insert(m.from);  // aborted there already
    decide(t, Phase::Aborting, m.reason);
    maybe_finish(m.txn);
    return;
  }
  if (!t.yes.insert(m.from).second) return;
  if (t.request.kind == TxnKind::ReadAll) t.balances.insert(m.balances.begin(), m.balances.end());
  if (t.yes.size() == t.participants.size()) decide(t, Phase::Committing, AbortReason::None);
}

void Coordinator::on_ack(const Message& m) {
  auto it = running_.find(m.txn);
  if (it == running_.end() || it->second.phase == Phase::Voting || !is_participant(it->second, m.from)) return;
  it->second.done.insert(m.from);
  maybe_finish(m.txn);
}

void Coordinator::on_query(const Message& m) {
  if (auto it = running_.find(m.txn); it != running_.end()) {
    // Still voting: the decision comes by itself (and a lost vote is asked for again
    // by the re-sent Prepare).
    if (it->second.phase == Phase::Committing) send(MessageType::Commit, m.from, m.txn);
    if (it->second.phase == Phase::Aborting) send(MessageType::Abort, m.from, m.txn);
    return;
  }
  send(commits_.count(m.txn) ? MessageType::Commit : MessageType::Abort, m.from, m.txn);
}

void Coordinator::tick(int64_t now_ms) {
  now_ms_ = now_ms;
  std::vector<TxnId> ids;
  for (const auto& [txn, t] : running_) ids.push_back(txn);
  for (TxnId txn : ids) {
    Txn& t = running_.at(txn);
    if (t.phase == Phase::Voting && now_ms_ - t.started_ms >= config_.vote_timeout_ms) {
      decide(t, Phase::Aborting, AbortReason::Timeout);
      continue;
    }
    if (now_ms_ - t.sent_ms < config_.resend_ms) continue;
    t.sent_ms = now_ms_;
    if (t.phase == Phase::Voting) {
      for (const auto& p : t.participants)
        if (!t.yes.count(p)) send_prepare(t, p);
    } else {
      send_decision(t);
    }
  }
}

CoordinatorReady Coordinator::ready() const { return pending_; }

void Coordinator::apply(const CoordinatorReady& ready) {
  replies_.insert(replies_.end(), ready.replies.begin(), ready.replies.end());
}

void Coordinator::advance() { pending_ = CoordinatorReady(); }

std::vector<Reply> Coordinator::take_replies() { return std::exchange(replies_, {}); }

base::Status Coordinator::check_invariants() const {
  auto broken = [&](const std::string& what) { return base::Error{id() + ": " + what}; };
  if (!violation_.empty()) return broken(violation_);
  for (const auto& [txn, t] : running_) {
    if (t.phase == Phase::Committing && !commits_.count(txn))
      return broken("transaction " + std::to_string(txn) + " committing without a commit decision");
    if (t.phase != Phase::Committing && commits_.count(txn))
      return broken("transaction " + std::to_string(txn) + " has a commit decision but is not committing");
  }
  return base::ok_status();
}

}  // namespace faultline::targets::twopc
