#include "targets/zab/core/zab.h"

#include <algorithm>
#include <functional>
#include <tuple>

#include "base/log.h"

namespace faultline::targets::zab {

bool better(const Vote& a, const Vote& b) {
  return std::tie(a.epoch, a.zxid, a.leader) > std::tie(b.epoch, b.zxid, b.leader);
}

std::string_view to_string(MessageType type) {
  switch (type) {
    case MessageType::Notification: return "NOTIFICATION";
    case MessageType::FollowerInfo: return "FOLLOWERINFO";
    case MessageType::NewEpoch: return "NEWEPOCH";
    case MessageType::AckEpoch: return "ACKEPOCH";
    case MessageType::NewLeader: return "NEWLEADER";
    case MessageType::AckNewLeader: return "ACKNEWLEADER";
    case MessageType::Proposal: return "PROPOSAL";
    case MessageType::Ack: return "ACK";
    case MessageType::Commit: return "COMMIT";
    case MessageType::Ping: return "PING";
    case MessageType::PingReply: return "PINGREPLY";
    case MessageType::SyncRequest: return "SYNC";
  }
  return "?";
}

void persist(Durable& disk, const Ready& ready) {
  if (ready.hard_state) disk.hard_state = *ready.hard_state;
  if (ready.truncate_after) {
    while (!disk.history.empty() && disk.history.back().zxid > *ready.truncate_after)
      disk.history.pop_back();
  }
  disk.history.insert(disk.history.end(), ready.txns.begin(), ready.txns.end());
}

namespace {

// ACK and COMMIT are cumulative — each speaks for everything up to its zxid (a follower
// logs proposals in order, a leader commits a prefix) — so of those one Ready sends to
// one server for one epoch only the last matters. Dropping the earlier ones leaves one
// ACK per batch of proposals instead of one per proposal (a loaded follower logs many
// per fsync), and the FIFO channel keeps every other message in its order.
std::vector<Message> coalesce_cumulative(std::vector<Message> out) {
  std::set<std::tuple<NodeId, MessageType, Epoch>> later;
  std::vector<Message> kept;
  kept.reserve(out.size());
  for (size_t i = out.size(); i-- > 0;) {
    const Message& m = out[i];
    const bool cumulative = m.type == MessageType::Ack || m.type == MessageType::Commit;
    if (cumulative && !later.emplace(m.to, m.type, m.epoch).second) continue;
    kept.push_back(std::move(out[i]));
  }
  std::reverse(kept.begin(), kept.end());
  return kept;
}

}  // namespace

Zab::Zab(Config config, const Durable& disk)
    : config_(std::move(config)), hs_(disk.hard_state), history_(disk.history) {
  FL_CHECK(std::count(config_.voters.begin(), config_.voters.end(), config_.id) == 1);
  look("started");
}

bool Zab::broadcasting() const {
  return (state_ == ServerState::Leading && established_) || (state_ == ServerState::Following && synced_);
}

Message Zab::reply(const Message& m, MessageType type, Zxid zxid) const {
  Message r;
  r.type = type;
  r.to = m.from;
  r.epoch = m.epoch;
  r.zxid = zxid;
  return r;
}

void Zab::send(Message m) {
  m.from = config_.id;
  outbox_.push_back(std::move(m));
}

// ---- Fast leader election -------------------------------------------------------

void Zab::notify(const NodeId& to) {
  Message m;
  m.type = MessageType::Notification;
  m.to = to;
  m.round = round_;
  m.state = state_;
  if (state_ == ServerState::Looking) {
    m.vote = vote_;
  } else {
    // An established server answers with the leader it follows and that epoch.
    m.vote = Vote{leader_, 0, hs_.accepted_epoch};
  }
  m.epoch = hs_.accepted_epoch;
  send(std::move(m));
}

void Zab::notify_all() {
  for (const NodeId& peer : config_.voters)
    if (peer != config_.id) notify(peer);
}

void Zab::look(const char* why) {
  looked_because_ = why;
  state_ = ServerState::Looking;
  leader_.clear();
  synced_ = false;
  established_ = false;
  discovered_ = false;
  epoch_quorum_ = false;
  epoch_acks_.clear();
  epoch_acked_ = false;
  follower_info_.clear();
  acked_epoch_.clear();
  synced_followers_.clear();
  acked_.clear();
  follower_silence_.clear();
  commit_zxid_ = std::max(commit_zxid_, delivered_zxid_);
  ++round_;
  vote_ = own_vote();
  received_.clear();
  received_[config_.id] = vote_;
  out_of_election_.clear();
  elapsed_ = 0;
  if (quorum() == 1) {
    decide(config_.id);
    return;
  }
  notify_all();
}

void Zab::decide(const NodeId& leader) {
  if (leader == config_.id) {
    lead();
  } else {
    follow(leader);
  }
}

void Zab::on_notification(const Message& m) {
  if (state_ != ServerState::Looking) {
    // Tell a LOOKING server who leads, so it joins instead of electing alone.
    if (m.state == ServerState::Looking) notify(m.from);
    return;
  }
  if (m.state == ServerState::Looking) {
    if (m.round > round_) {
      round_ = m.round;
      received_.clear();
      vote_ = better(m.vote, own_vote()) ? m.vote : own_vote();
      notify_all();
    } else if (m.round == round_ && better(m.vote, vote_)) {
      vote_ = m.vote;
      notify_all();
    } else if (m.round < round_) {
      notify(m.from);  // it is behind: bring it to this round
      return;
    }
    received_[m.from] = m.vote;
    received_[config_.id] = vote_;
    const auto agree = std::count_if(received_.begin(), received_.end(),
                                     [&](const auto& r) { return r.second == vote_; });
    if (static_cast<size_t>(agree) >= quorum()) decide(vote_.leader);
    return;
  }
  // A FOLLOWING or LEADING server: join its leader once a quorum, the leader itself
  // among them, reports it for the same epoch (ZooKeeper's out-of-election check).
  out_of_election_[m.from] = m;
  const NodeId& leader = m.vote.leader;
  auto self = out_of_election_.find(leader);
  if (self == out_of_election_.end() || self->second.state != ServerState::Leading) return;
  size_t count = 1;  // this server would follow too
  for (const auto& [peer, n] : out_of_election_)
    if (n.vote.leader == leader && n.epoch == m.epoch) ++count;
  if (count >= quorum()) follow(leader);
}

// ---- Following ----------------------------------------------------------------------

void Zab::follow(const NodeId& leader) {
  state_ = ServerState::Following;
  leader_ = leader;
  synced_ = false;
  epoch_acked_ = false;
  silent_ticks_ = 0;
  send_follower_info();
}

void Zab::send_follower_info() {
  Message info;
  info.type = MessageType::FollowerInfo;
  info.to = leader_;
  info.epoch = hs_.accepted_epoch;
  send(std::move(info));
}

void Zab::send_new_epoch(const NodeId& follower) {
  Message m;
  m.type = MessageType::NewEpoch;
  m.to = follower;
  m.epoch = new_epoch_;
  send(std::move(m));
}

void Zab::on_leader_message(const Message& m) {
  // Messages of the leader this server follows; anything else is from a deposed or
  // unknown leader and is dropped — the epoch fence (the planted bug lifts it for
  // proposals).
  const bool from_leader = state_ == ServerState::Following && m.from == leader_;
  if (m.type == MessageType::Proposal && has(Bug::NoEpochFence) && synced_) {
    append(m.txns.at(0));  // the planted bug: whoever sends it, whatever its epoch
    send(reply(m, MessageType::Ack, m.txns.at(0).zxid));
    return;
  }
  if (!from_leader) return;
  silent_ticks_ = 0;
  switch (m.type) {
    case MessageType::NewEpoch: {
      if (m.epoch < hs_.accepted_epoch) {  // a stale leader
        look("a leader of a stale epoch");
        return;
      }
      if (m.epoch > hs_.accepted_epoch) {
        hs_.accepted_epoch = m.epoch;
        hard_state_dirty_ = true;
      }
      epoch_acked_ = true;
      Message ack = reply(m, MessageType::AckEpoch, last_zxid());
      ack.current_epoch = hs_.current_epoch;
      send(std::move(ack));
      return;
    }
    case MessageType::NewLeader: {
      if (m.epoch != hs_.accepted_epoch) return;
      size_t from = 0;  // the first of m.txns to append
      if (m.whole) {
        // TRUNC + DIFF: keep the prefix we share with the leader, drop the rest.
        size_t same = 0;
        while (same < history_.size() && same < m.txns.size() && history_[same] == m.txns[same]) ++same;
        truncate_after(same == 0 ? 0 : history_[same - 1].zxid);
        from = same;
      } else {
        truncate_after(m.zxid);
      }
      for (size_t i = from; i < m.txns.size(); ++i) append(m.txns[i]);
      hs_.current_epoch = m.epoch;
      hard_state_dirty_ = true;
      synced_ = true;
      send(reply(m, MessageType::AckNewLeader, last_zxid()));
      return;
    }
    case MessageType::Proposal: {
      if (!synced_ || m.epoch != hs_.accepted_epoch) return;
      const Txn& txn = m.txns.at(0);
      const Zxid last = last_zxid();
      const bool next = epoch_of(txn.zxid) == epoch_of(last) ? txn.zxid == last + 1
                                                             : epoch_of(txn.zxid) > epoch_of(last) &&
                                                                   counter_of(txn.zxid) == 1;
      if (!next) {  // something was lost on the way: resynchronise
        look("a gap in the proposals");
        return;
      }
      append(txn);
      send(reply(m, MessageType::Ack, txn.zxid));  // leaves after the append is persisted
      return;
    }
    case MessageType::Commit:
    case MessageType::Ping: {
      if (!synced_) return;
      if (m.zxid > last_zxid()) {  // committed transactions this server lacks
        look("a commit point beyond its history");
        return;
      }
      commit_to(m.zxid);
      if (m.type == MessageType::Ping) {
        send(reply(m, MessageType::PingReply, last_zxid()));
      }
      return;
    }
    default:
      return;
  }
}

// ---- Leading ------------------------------------------------------------------------

void Zab::lead() {
  state_ = ServerState::Leading;
  leader_ = config_.id;
  established_ = false;
  discovered_ = false;
  epoch_quorum_ = false;
  epoch_acks_.clear();
  counter_ = 0;
  previous_current_epoch_ = hs_.current_epoch;
  follower_info_.clear();
  follower_info_[config_.id] = hs_.accepted_epoch;
  acked_epoch_.clear();
  synced_followers_.clear();
  acked_.clear();
  follower_silence_.clear();
  elapsed_ = 0;
  check_discovery();
}

void Zab::check_discovery() {
  if (discovered_ || follower_info_.size() < quorum()) return;
  // Discovery: an epoch above every acceptedEpoch of the quorum.
  Epoch highest = 0;
  for (const auto& [peer, epoch] : follower_info_) highest = std::max(highest, epoch);
  new_epoch_ = highest + 1;
  discovered_ = true;
  hs_.accepted_epoch = new_epoch_;
  hard_state_dirty_ = true;
  for (const auto& [peer, epoch] : follower_info_)
    if (peer != config_.id) send_new_epoch(peer);
  check_epoch_quorum();
}

void Zab::check_epoch_quorum() {
  if (epoch_quorum_ || epoch_acks_.size() + 1 < quorum()) return;
  // A quorum has accepted the new epoch, so no leader of an earlier one can commit any
  // more, and we hold the most recent history of that quorum: everything committed.
  // Only now is our history the new epoch's (ZooKeeper sets currentEpoch after
  // waitForEpochAck). Taken at discovery, a leader that never got this far — the
  // quorum that sent FOLLOWERINFO went back to the old leader, which went on
  // committing — would vote (newEpoch, stale zxid), beat every up-to-date server in
  // the next election and truncate committed transactions from them.
  epoch_quorum_ = true;
  hs_.current_epoch = new_epoch_;
  hard_state_dirty_ = true;
  for (const auto& [follower, zxid] : epoch_acks_) {
    acked_[follower] = zxid;
    send_new_leader(follower);
  }
  epoch_acks_.clear();
  if (quorum() == 1) {
    established_ = true;
    commit_to(last_zxid());
  }
}

bool Zab::in_history(Zxid zxid) const {
  if (zxid == 0) return true;
  auto it = std::lower_bound(history_.begin(), history_.end(), zxid,
                             [](const Txn& t, Zxid z) { return t.zxid < z; });
  return it != history_.end() && it->zxid == zxid;
}

void Zab::send_new_leader(const NodeId& follower) {
  Message m;
  m.type = MessageType::NewLeader;
  m.to = follower;
  m.epoch = new_epoch_;
  const Zxid theirs = acked_.count(follower) ? acked_[follower] : 0;
  if (has(Bug::SkipSync)) {
    // The planted bug: no synchronisation — the follower keeps whatever it holds.
    m.zxid = theirs;
  } else if (in_history(theirs)) {
    // DIFF: the follower's history is a prefix of ours; send the rest.
    m.zxid = theirs;
    for (const Txn& txn : history_)
      if (txn.zxid > theirs) m.txns.push_back(txn);
  } else {
    // The follower holds transactions we do not: replace its history with ours.
    m.whole = true;
    m.txns = history_;
  }
  acked_[follower] = 0;  // it acknowledges our history with ACKNEWLEADER
  acked_epoch_.insert(follower);
  send(std::move(m));
}

void Zab::on_follower_message(const Message& m) {
  if (state_ != ServerState::Leading) return;
  follower_silence_[m.from] = 0;
  switch (m.type) {
    case MessageType::FollowerInfo:
      follower_info_[m.from] = m.epoch;
      if (!discovered_) {
        check_discovery();
      } else {
        // A follower that starts following again — restarted, or back from LOOKING
        // after a timeout — is synchronised afresh, as ZooKeeper gives each learner
        // connection its own handler: until it acknowledges NEWLEADER again it gets no
        // proposals and counts toward no quorum. (Kept as it was, its ACKEPOCH would be
        // ignored as a duplicate and it would stay unsynchronised for good.)
        acked_epoch_.erase(m.from);
        synced_followers_.erase(m.from);
        acked_.erase(m.from);
        epoch_acks_.erase(m.from);
        send_new_epoch(m.from);
      }
      return;
    case MessageType::AckEpoch: {
      if (!discovered_ || m.epoch != new_epoch_ || acked_epoch_.count(m.from) || epoch_acks_.count(m.from)) return;
      // While discovering: a follower whose history is more recent than ours means we
      // must not lead (Zab's leader takes the most recent history of the quorum;
      // ZooKeeper gives up). Once established, our history holds everything committed
      // and a follower that joins later is synchronised to it (ZooKeeper's
      // waitForEpochAck checks only before the election is finished): one of this
      // epoch, restarted, would otherwise depose us for holding our own epoch.
      if (!established_ &&
          std::make_tuple(m.current_epoch, m.zxid) > std::make_tuple(previous_current_epoch_, last_zxid())) {
        look("a follower with a more recent history");
        return;
      }
      if (!epoch_quorum_) {
        // NEWLEADER (and with it currentEpoch := newEpoch at the follower) waits for a
        // quorum of ACKEPOCHs: until then an old leader may still commit beyond our
        // history through servers that sent us FOLLOWERINFO and went back to it.
        epoch_acks_[m.from] = m.zxid;
        check_epoch_quorum();
        return;
      }
      acked_[m.from] = m.zxid;
      send_new_leader(m.from);
      return;
    }
    case MessageType::AckNewLeader: {
      if (m.epoch != new_epoch_ || !acked_epoch_.count(m.from)) return;
      synced_followers_.insert(m.from);
      acked_[m.from] = std::max(acked_[m.from], m.zxid);
      if (!established_ && synced_followers_.size() + 1 >= quorum()) {
        // The new epoch's initial history is on a quorum: it is committed.
        established_ = true;
        commit_to(last_zxid());
      } else if (established_) {
        Message c;
        c.type = MessageType::Commit;
        c.to = m.from;
        c.epoch = new_epoch_;
        c.zxid = commit_zxid_;
        send(std::move(c));
      }
      maybe_commit();
      return;
    }
    case MessageType::Ack:
    case MessageType::PingReply:
      if (m.epoch != new_epoch_ || !synced_followers_.count(m.from)) return;
      acked_[m.from] = std::max(acked_[m.from], m.zxid);
      maybe_commit();
      return;
    case MessageType::SyncRequest:
      if (established_) broadcast(TxnType::Sync, m.from + "\n" + std::to_string(m.context));
      return;
    default:
      return;
  }
}

void Zab::maybe_commit() {
  if (!established_) return;
  std::vector<Zxid> logged{last_zxid()};
  for (const NodeId& f : synced_followers_) logged.push_back(acked_[f]);
  std::sort(logged.begin(), logged.end(), std::greater<>());
  // The planted bug counts the leader's own log as a quorum.
  const Zxid z = has(Bug::CommitBeforeQuorum) ? last_zxid() : logged[quorum() - 1];
  // Counting commits only this epoch's proposals; earlier ones were committed when the
  // epoch was established.
  if (z > commit_zxid_ && epoch_of(z) == new_epoch_) commit_to(z);
}

void Zab::commit_to(Zxid zxid) {
  if (zxid <= commit_zxid_ && zxid <= delivered_zxid_) return;
  commit_zxid_ = std::max(commit_zxid_, zxid);
  if (state_ == ServerState::Leading) {
    Message c;
    c.type = MessageType::Commit;
    c.zxid = commit_zxid_;
    to_followers(std::move(c));
  }
  deliver_to(commit_zxid_);
}

void Zab::deliver_to(Zxid zxid) {
  for (const Txn& txn : history_) {
    if (txn.zxid <= delivered_zxid_) continue;
    if (txn.zxid > zxid) break;
    to_deliver_.push_back(txn);
    delivered_zxid_ = txn.zxid;
  }
}

void Zab::append(Txn txn) {
  if (!history_.empty() && txn.zxid <= history_.back().zxid)
    violation_ = "history out of zxid order at " + std::to_string(txn.zxid);
  if (unstable_from_ == SIZE_MAX) unstable_from_ = history_.size();
  history_.push_back(std::move(txn));
}

void Zab::truncate_after(Zxid zxid) {
  if (zxid < delivered_zxid_)
    violation_ = "delivered transaction " + std::to_string(delivered_zxid_) + " truncated";
  size_t keep = 0;
  while (keep < history_.size() && history_[keep].zxid <= zxid) ++keep;
  if (keep == history_.size()) return;
  history_.resize(keep);
  truncate_ = truncate_ ? std::min(*truncate_, zxid) : zxid;
  if (unstable_from_ != SIZE_MAX && unstable_from_ > keep) unstable_from_ = keep;
  if (unstable_from_ == SIZE_MAX || unstable_from_ > history_.size()) unstable_from_ = SIZE_MAX;
}

// ---- Inputs -------------------------------------------------------------------------

void Zab::tick() {
  FL_CHECK(!ready_handed_out_);
  switch (state_) {
    case ServerState::Looking:
      if (++elapsed_ % config_.notify_ticks == 0) notify_all();  // votes may have been lost
      return;
    case ServerState::Following:
      if (++silent_ticks_ > config_.timeout_ticks) {
        look("the leader fell silent");
        return;
      }
      if (!epoch_acked_ && silent_ticks_ % config_.notify_ticks == 0) send_follower_info();
      return;
    case ServerState::Leading: {
      size_t heard = 1;
      for (const NodeId& peer : config_.voters) {
        if (peer == config_.id) continue;
        int& silence = follower_silence_[peer];
        if (++silence <= config_.timeout_ticks) ++heard;
      }
      if (heard < quorum() && ++elapsed_ > config_.timeout_ticks) {
        look("no quorum of followers heard");  // stop leading
        return;
      }
      if (heard >= quorum()) elapsed_ = 0;
      Message ping;
      ping.type = MessageType::Ping;
      ping.zxid = commit_zxid_;
      to_followers(std::move(ping));
      return;
    }
  }
}

void Zab::step(const Message& m) {
  FL_CHECK(!ready_handed_out_);
  if (m.to != config_.id) return;
  switch (m.type) {
    case MessageType::Notification: on_notification(m); return;
    case MessageType::FollowerInfo:
    case MessageType::AckEpoch:
    case MessageType::AckNewLeader:
    case MessageType::Ack:
    case MessageType::PingReply:
    case MessageType::SyncRequest: on_follower_message(m); return;
    default: on_leader_message(m); return;
  }
}

std::optional<Zxid> Zab::propose(std::string command) {
  FL_CHECK(!ready_handed_out_);
  if (!established()) return std::nullopt;
  return broadcast(TxnType::Command, std::move(command));
}

Zxid Zab::broadcast(TxnType type, std::string data) {
  Txn txn;
  txn.zxid = make_zxid(new_epoch_, ++counter_);
  txn.type = type;
  txn.data = std::move(data);
  const Zxid zxid = txn.zxid;
  append(txn);
  Message p;
  p.type = MessageType::Proposal;
  p.txns = {std::move(txn)};
  to_followers(std::move(p));
  maybe_commit();
  return zxid;
}

void Zab::to_followers(Message m) {
  m.epoch = new_epoch_;
  for (const NodeId& f : acked_epoch_) {
    Message copy = m;
    copy.to = f;
    send(std::move(copy));
  }
}

bool Zab::request_sync(uint64_t context) {
  FL_CHECK(!ready_handed_out_);
  if (!broadcasting()) return false;
  Message m;
  m.type = MessageType::SyncRequest;
  m.to = leader_;
  m.context = context;
  if (state_ == ServerState::Leading) {
    m.from = config_.id;
    on_follower_message(m);  // the leader proposes its own marker
  } else {
    send(std::move(m));
  }
  return true;
}

Ready Zab::ready() {
  FL_CHECK(!ready_handed_out_);
  Ready r;
  if (hard_state_dirty_) r.hard_state = hs_;
  r.truncate_after = truncate_;
  if (unstable_from_ != SIZE_MAX)
    r.txns.assign(history_.begin() + static_cast<std::ptrdiff_t>(unstable_from_), history_.end());
  r.messages = coalesce_cumulative(std::move(outbox_));
  outbox_.clear();
  r.committed = std::move(to_deliver_);
  to_deliver_.clear();
  ready_handed_out_ = true;
  return r;
}

void Zab::advance() {
  FL_CHECK(ready_handed_out_);
  ready_handed_out_ = false;
  hard_state_dirty_ = false;
  truncate_.reset();
  unstable_from_ = SIZE_MAX;
}

base::Status Zab::check_invariants() const {
  auto broken = [&](const std::string& what) { return base::Error{config_.id + ": " + what}; };
  if (!violation_.empty()) return broken(violation_);
  if (delivered_zxid_ > last_zxid()) return broken("delivered past the end of the history");
  if (hs_.current_epoch > hs_.accepted_epoch) return broken("currentEpoch above acceptedEpoch");
  if (established() && new_epoch_ != hs_.accepted_epoch) return broken("leading an epoch it did not accept");
  return base::ok_status();
}

}  // namespace faultline::targets::zab
