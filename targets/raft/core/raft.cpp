#include "targets/raft/core/raft.h"

#include <algorithm>
#include <functional>

#include "base/log.h"

namespace faultline::targets::raft {

namespace {
bool has(const Bugs& bugs, Bug bug) { return bugs.count(bug) != 0; }
}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::Follower: return "follower";
    case Role::Candidate: return "candidate";
    case Role::Leader: return "leader";
  }
  return "?";
}

std::string_view to_string(MessageType type) {
  switch (type) {
    case MessageType::RequestVote: return "RequestVote";
    case MessageType::RequestVoteReply: return "RequestVoteReply";
    case MessageType::AppendEntries: return "AppendEntries";
    case MessageType::AppendEntriesReply: return "AppendEntriesReply";
    case MessageType::InstallSnapshot: return "InstallSnapshot";
    case MessageType::InstallSnapshotReply: return "InstallSnapshotReply";
  }
  return "?";
}

void persist(Durable& disk, const Ready& ready) {
  if (ready.hard_state) disk.hard_state = *ready.hard_state;
  if (ready.snapshot) {
    const SnapshotMeta& meta = ready.snapshot->meta;
    auto it = std::find_if(disk.entries.begin(), disk.entries.end(),
                           [&](const Entry& e) { return e.index == meta.index; });
    if (it != disk.entries.end() && it->term == meta.term) {
      disk.entries.erase(disk.entries.begin(), it + 1);
    } else {
      disk.entries.clear();
    }
    disk.snapshot = *ready.snapshot;
  }
  if (!ready.entries.empty()) {
    const Index first = ready.entries.front().index;
    while (!disk.entries.empty() && disk.entries.back().index >= first) disk.entries.pop_back();
    disk.entries.insert(disk.entries.end(), ready.entries.begin(), ready.entries.end());
  }
}

Raft::Raft(Config config, const Durable& disk, uint64_t seed)
    : config_(std::move(config)), random_(seed) {
  FL_CHECK(std::count(config_.voters.begin(), config_.voters.end(), config_.id) == 1);
  if (disk.snapshot) {
    log_.restore_snapshot_point(disk.snapshot->meta);
    snapshot_ = disk.snapshot;
    snapshot_to_apply_ = disk.snapshot;  // the state machine starts empty
  }
  for (const Entry& entry : disk.entries) {
    if (entry.index <= log_.last_index()) continue;
    // A gap means the disk lost entries in the middle; keep the consistent prefix.
    if (entry.index != log_.last_index() + 1) break;
    log_.append(entry);
  }
  term_ = disk.hard_state.term;
  voted_for_ = disk.hard_state.voted_for;
  persisted_hard_state_ = disk.hard_state;
  applied_ = log_.snapshot_meta().index;
  commit_ = std::clamp(disk.hard_state.commit, applied_, log_.last_index());
  highest_commit_seen_ = commit_;
  reset_election_timer();
}

void Raft::reset_election_timer() {
  elapsed_ = 0;
  election_timeout_ =
      config_.election_ticks + static_cast<int>(random_.below(static_cast<uint64_t>(config_.election_ticks)));
}

void Raft::tick() {
  FL_CHECK(!ready_handed_out_);
  ++elapsed_;
  if (role_ == Role::Candidate && elapsed_ % config_.heartbeat_ticks == 0) {
    // Ask again whoever has not granted: a lost request or reply must not cost the
    // election, and a voter that persisted its vote answers the same again.
    for (const NodeId& peer : config_.voters) {
      auto vote = votes_.find(peer);
      if (peer != config_.id && (vote == votes_.end() || !vote->second)) send(vote_request(peer));
    }
  }
  if (role_ != Role::Leader) {
    if (elapsed_ >= election_timeout_) become_candidate();
    return;
  }
  if (++heartbeat_elapsed_ >= config_.heartbeat_ticks) broadcast_heartbeat();
  if (config_.check_quorum && config_.lease_ms > 0) {
    // With leases, leadership itself is timed on the wall clock, like the lease: the
    // leader steps down once no majority has answered for twice the lease. Sound while
    // clocks behave; a clock stepped back keeps a deposed leader serving lease reads.
    const int64_t since = lease_valid_ ? std::max(lease_start_ms_, leader_since_ms_) : leader_since_ms_;
    if (wall_ms_ >= since + 2 * config_.lease_ms) become_follower(term_, "");
    return;
  }
  // Check quorum: a leader that has not heard from a majority for an election
  // timeout steps down, so a partitioned leader stops accepting writes and, with
  // followers that ignore votes while they hear from a leader, lease reads are sound.
  if (config_.check_quorum && ++check_quorum_elapsed_ >= config_.election_ticks) {
    check_quorum_elapsed_ = 0;
    size_t active = 1;
    for (auto& [peer, progress] : progress_) {
      if (progress.recent_active) ++active;
      progress.recent_active = false;
    }
    if (active < quorum()) become_follower(term_, "");
  }
}

void Raft::become_follower(Term term, const NodeId& leader) {
  if (term > term_) {
    term_ = term;
    voted_for_.clear();
  }
  role_ = Role::Follower;
  leader_ = leader;
  progress_.clear();
  pending_reads_.clear();
  lease_valid_ = false;
  need_heartbeat_ = false;
  reset_election_timer();
}

void Raft::become_candidate() {
  // §5.2: increment the term, vote for self, ask everyone else.
  ++term_;
  voted_for_ = config_.id;
  role_ = Role::Candidate;
  leader_.clear();
  progress_.clear();
  pending_reads_.clear();
  lease_valid_ = false;
  votes_.clear();
  votes_[config_.id] = true;
  reset_election_timer();
  if (quorum() == 1) {
    become_leader();
    return;
  }
  for (const NodeId& peer : config_.voters)
    if (peer != config_.id) send(vote_request(peer));
}

Message Raft::vote_request(const NodeId& peer) const {
  Message m;
  m.type = MessageType::RequestVote;
  m.to = peer;
  m.log_index = log_.last_index();
  m.log_term = log_.last_term();
  return m;
}

void Raft::become_leader() {
  role_ = Role::Leader;
  leader_ = config_.id;
  progress_.clear();
  for (const NodeId& peer : config_.voters) {
    if (peer == config_.id) continue;
    Progress p;
    p.next = log_.last_index() + 1;
    p.recent_active = true;
    progress_[peer] = p;
  }
  round_ = 0;
  round_started_ms_.clear();
  lease_valid_ = false;
  leader_since_ms_ = wall_ms_;
  heartbeat_elapsed_ = 0;
  check_quorum_elapsed_ = 0;
  // §8: a no-op in the new term, so entries of earlier terms commit with it (§5.4.2).
  Entry noop;
  noop.term = term_;
  noop.index = log_.last_index() + 1;
  noop.type = EntryType::Noop;
  if (unstable_from_ == 0) unstable_from_ = noop.index;
  log_.append(std::move(noop));
  maybe_commit();
  broadcast_heartbeat();
}

void Raft::send(Message message) {
  message.from = config_.id;
  message.term = term_;
  outbox_.push_back(std::move(message));
}

void Raft::send_append(const NodeId& peer) {
  Progress& p = progress_.at(peer);
  Message m;
  m.to = peer;
  m.round = round_;
  const Index prev = p.next - 1;
  const auto prev_term = log_.term_at(prev);
  if (!prev_term) {
    // The entries this follower needs are folded into the snapshot (§7).
    FL_CHECK(snapshot_.has_value());
    m.type = MessageType::InstallSnapshot;
    m.snapshot = snapshot_;
    p.next = snapshot_->meta.index + 1;
    send(std::move(m));
    return;
  }
  m.type = MessageType::AppendEntries;
  m.log_index = prev;
  m.log_term = *prev_term;
  m.commit = commit_;
  if (p.next <= log_.last_index()) {
    m.entries = log_.slice(p.next, log_.last_index(), config_.max_entries_per_message);
    if (!p.probing) p.next = m.entries.back().index + 1;  // pipelines the next batch
  }
  send(std::move(m));
}

void Raft::broadcast_heartbeat() {
  heartbeat_elapsed_ = 0;
  need_heartbeat_ = false;
  ++round_;
  round_started_ms_.emplace_back(round_, wall_ms_);
  if (round_started_ms_.size() > 1024) round_started_ms_.pop_front();
  for (auto& [peer, progress] : progress_) send_append(peer);
  update_lease_and_reads();  // a single-node cluster is its own majority
}

void Raft::set_commit(Index index) {
  if (index <= commit_) return;
  commit_ = index;
  highest_commit_seen_ = std::max(highest_commit_seen_, commit_);
}

void Raft::maybe_commit() {
  std::vector<Index> matches{log_.last_index()};
  for (const auto& [peer, progress] : progress_) matches.push_back(progress.match);
  std::sort(matches.begin(), matches.end(), std::greater<>());
  const Index n = matches[quorum() - 1];
  if (n <= commit_) return;
  // §5.4.2: only an entry of the current term is committed by counting replicas;
  // earlier ones commit with it. The planted bug skips the term check (Figure 8).
  if (log_.term_at(n) == term_) {
    set_commit(n);
  } else if (has(config_.bugs, Bug::CommitOldTerm)) {
    set_commit(n);
    ++old_term_commits_;
    last_old_term_commit_ = n;
  }
}

void Raft::update_lease_and_reads() {
  if (role_ != Role::Leader) return;
  std::vector<uint64_t> acked{round_};
  for (const auto& [peer, progress] : progress_) acked.push_back(progress.acked_round);
  std::sort(acked.begin(), acked.end(), std::greater<>());
  const uint64_t round = acked[quorum() - 1];
  if (round == 0) return;
  while (round_started_ms_.size() > 1 && round_started_ms_[1].first <= round)
    round_started_ms_.pop_front();
  if (!round_started_ms_.empty() && round_started_ms_.front().first == round) {
    lease_start_ms_ = round_started_ms_.front().second;
    lease_valid_ = true;
  }
  auto served = std::stable_partition(pending_reads_.begin(), pending_reads_.end(),
                                      [&](const PendingRead& r) { return r.round > round; });
  for (auto it = served; it != pending_reads_.end(); ++it)
    read_states_.push_back(ReadState{it->context, it->index});
  pending_reads_.erase(served, pending_reads_.end());
}

void Raft::step(const Message& m) {
  FL_CHECK(!ready_handed_out_);
  if (m.to != config_.id) return;
  const bool from_leader =
      m.type == MessageType::AppendEntries || m.type == MessageType::InstallSnapshot;
  if (m.term > term_) {
    if (m.type == MessageType::RequestVote && config_.check_quorum &&
        (role_ == Role::Leader || (!leader_.empty() && elapsed_ < config_.election_ticks))) {
      // Leader stickiness (§6 of the dissertation, etcd's check-quorum lease): while a
      // node hears from a live leader it ignores elections, so a leader's lease holds.
      return;
    }
    become_follower(m.term, from_leader ? m.from : NodeId{});
  }
  if (m.term < term_) {
    // A stale leader or candidate learns the new term from the reply and steps down.
    if (m.type == MessageType::RequestVote || from_leader) {
      Message reply;
      reply.type = m.type == MessageType::RequestVote ? MessageType::RequestVoteReply
                   : m.type == MessageType::AppendEntries ? MessageType::AppendEntriesReply
                                                          : MessageType::InstallSnapshotReply;
      reply.to = m.from;
      reply.log_index = m.log_index;
      send(std::move(reply));
    }
    return;
  }
  switch (m.type) {
    case MessageType::RequestVote: on_request_vote(m); break;
    case MessageType::RequestVoteReply: on_vote_reply(m); break;
    case MessageType::AppendEntries: on_append(m); break;
    case MessageType::AppendEntriesReply:
    case MessageType::InstallSnapshotReply: on_append_reply(m); break;
    case MessageType::InstallSnapshot: on_snapshot(m); break;
  }
}

void Raft::on_request_vote(const Message& m) {
  // §5.4.1: grant only to a candidate whose log is at least as up-to-date as ours.
  const bool up_to_date = m.log_term > log_.last_term() ||
                          (m.log_term == log_.last_term() && m.log_index >= log_.last_index());
  const bool can_vote = voted_for_.empty() || voted_for_ == m.from;
  const bool grant = role_ == Role::Follower && can_vote && up_to_date;
  if (grant) {
    voted_for_ = m.from;
    reset_election_timer();
  }
  Message reply;
  reply.type = MessageType::RequestVoteReply;
  reply.to = m.from;
  reply.success = grant;
  send(std::move(reply));
}

void Raft::on_vote_reply(const Message& m) {
  if (role_ != Role::Candidate) return;
  votes_[m.from] = m.success;
  const auto granted = std::count_if(votes_.begin(), votes_.end(),
                                     [](const auto& vote) { return vote.second; });
  if (static_cast<size_t>(granted) >= quorum()) become_leader();
}

void Raft::on_append(const Message& m) {
  if (role_ == Role::Leader) {
    violation_ = "two leaders in term " + std::to_string(term_) + ": " + config_.id +
                 " and " + m.from;
  }
  if (role_ != Role::Follower || leader_ != m.from) become_follower(term_, m.from);
  elapsed_ = 0;
  Message reply;
  reply.type = MessageType::AppendEntriesReply;
  reply.to = m.from;
  reply.round = m.round;
  reply.log_index = m.log_index;
  if (m.log_index < commit_) {
    // Everything up to our commit index matches every later leader (§5.4).
    reply.success = true;
    reply.match = commit_;
    send(std::move(reply));
    return;
  }
  const auto term_here = log_.term_at(m.log_index);
  if (!term_here || *term_here != m.log_term) {
    if (term_here && m.log_index == commit_) {
      // Leader completeness (§5.4): every leader holds every committed entry, so a
      // leader whose log differs at our commit index was elected without one (Figure 8).
      violation_ = "leader " + m.from + " of term " + std::to_string(m.term) + " lacks committed entry " +
                   std::to_string(m.log_index) + " (term " + std::to_string(*term_here) + " here, " +
                   std::to_string(m.log_term) + " in its log)";
    }
    // §5.3: reject; hint where the leader's next attempt can match.
    reply.success = false;
    reply.hint = log_.last_index_with_term_at_most(std::min(m.log_index - 1, log_.last_index()),
                                                   m.log_term);
    send(std::move(reply));
    return;
  }
  for (const Entry& entry : m.entries) {
    if (entry.index <= log_.snapshot_meta().index) continue;
    if (entry.index <= log_.last_index()) {
      if (log_.at(entry.index).term == entry.term) continue;
      // §5.3: a conflicting entry and all that follow it are deleted.
      if (entry.index <= commit_) {
        violation_ = "committed entry " + std::to_string(entry.index) + " of term " +
                     std::to_string(log_.at(entry.index).term) + " overwritten by term " +
                     std::to_string(entry.term);
      }
      log_.truncate_after(entry.index - 1);
      if (unstable_from_ == 0 || unstable_from_ > entry.index) unstable_from_ = entry.index;
    }
    if (entry.term < log_.last_term()) violation_ = "log terms decrease at " + std::to_string(entry.index);
    if (unstable_from_ == 0) unstable_from_ = entry.index;
    log_.append(entry);
  }
  const Index last_new = m.log_index + m.entries.size();
  set_commit(std::min(m.commit, last_new));
  reply.success = true;
  reply.match = last_new;
  send(std::move(reply));
}

void Raft::on_append_reply(const Message& m) {
  if (role_ != Role::Leader) return;
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return;
  Progress& p = it->second;
  p.recent_active = true;
  if (m.round > p.acked_round) {
    p.acked_round = m.round;
    update_lease_and_reads();
  }
  if (m.success) {
    p.probing = false;
    if (m.match > p.match) {
      p.match = m.match;
      maybe_commit();
    }
    p.next = std::max(p.next, p.match + 1);
    if (p.next <= log_.last_index()) send_append(m.from);
    return;
  }
  if (m.log_index != p.next - 1) return;  // a reply to an older attempt
  p.next = std::max(p.match + 1, std::min(m.hint + 1, p.next - 1));
  p.probing = true;
  send_append(m.from);
}

void Raft::on_snapshot(const Message& m) {
  if (role_ != Role::Follower || leader_ != m.from) become_follower(term_, m.from);
  elapsed_ = 0;
  Message reply;
  reply.type = MessageType::InstallSnapshotReply;
  reply.to = m.from;
  reply.round = m.round;
  reply.success = true;
  const Snapshot& snapshot = *m.snapshot;
  if (snapshot.meta.index <= commit_) {
    reply.match = commit_;
    send(std::move(reply));
    return;
  }
  log_.restore_snapshot_point(snapshot.meta);
  snapshot_ = snapshot;
  snapshot_to_persist_ = snapshot;
  snapshot_to_apply_ = snapshot;
  if (unstable_from_ != 0 && unstable_from_ <= snapshot.meta.index)
    unstable_from_ = log_.last_index() > snapshot.meta.index ? snapshot.meta.index + 1 : 0;
  set_commit(snapshot.meta.index);
  reply.match = snapshot.meta.index;
  send(std::move(reply));
}

std::optional<Raft::Proposal> Raft::propose(std::string command) {
  FL_CHECK(!ready_handed_out_);
  if (role_ != Role::Leader) return std::nullopt;
  Entry entry;
  entry.term = term_;
  entry.index = log_.last_index() + 1;
  entry.data = std::move(command);
  const Proposal proposal{entry.index, entry.term};
  if (unstable_from_ == 0) unstable_from_ = entry.index;
  log_.append(std::move(entry));
  for (auto& [peer, progress] : progress_)
    if (progress.next == proposal.index) send_append(peer);
  maybe_commit();
  return proposal;
}

bool Raft::read_index(uint64_t context) {
  FL_CHECK(!ready_handed_out_);
  // §6.4: the leader must have committed an entry of its own term to know the
  // commit index is current.
  if (role_ != Role::Leader || log_.term_at(commit_) != term_) return false;
  if (has(config_.bugs, Bug::NoReadQuorum)) {
    read_states_.push_back(ReadState{context, commit_});  // the planted bug: no round
    return true;
  }
  // Every read asked for before the next round shares it (batching, as etcd does).
  pending_reads_.push_back(PendingRead{context, commit_, round_ + 1});
  need_heartbeat_ = true;
  return true;
}

std::optional<Index> Raft::lease_read() const {
  if (role_ != Role::Leader || log_.term_at(commit_) != term_ || !lease_valid_ ||
      !config_.check_quorum)
    return std::nullopt;
  if (wall_ms_ >= lease_start_ms_ + config_.lease_ms) return std::nullopt;
  return commit_;
}

void Raft::compact(Index index, std::string data) {
  FL_CHECK(!ready_handed_out_);
  FL_CHECK(index <= applied_);
  if (index <= log_.snapshot_meta().index) return;
  FL_CHECK(unstable_from_ == 0 || unstable_from_ > index);
  SnapshotMeta meta;
  meta.index = index;
  meta.term = *log_.term_at(index);
  meta.prefix_hash = log_.prefix_hash(index);
  meta.voters = config_.voters;
  snapshot_ = Snapshot{meta, std::move(data)};
  log_.restore_snapshot_point(meta);
  snapshot_to_persist_ = snapshot_;
}

Ready Raft::ready() {
  FL_CHECK(!ready_handed_out_);
  if (need_heartbeat_ && role_ == Role::Leader) broadcast_heartbeat();
  Ready r;
  HardState hard{term_, voted_for_, commit_};
  // The planted bug: the vote is kept in memory but never reaches the disk.
  if (has(config_.bugs, Bug::ForgetVote)) hard.voted_for.clear();
  if (hard != persisted_hard_state_) r.hard_state = hard;
  if (unstable_from_ != 0 && unstable_from_ <= log_.last_index())
    r.entries = log_.slice(unstable_from_, log_.last_index(), SIZE_MAX);
  r.snapshot = snapshot_to_persist_;
  r.messages = std::move(outbox_);
  outbox_.clear();
  r.apply_snapshot = snapshot_to_apply_;
  Index applied = r.apply_snapshot ? r.apply_snapshot->meta.index : applied_;
  applied = std::max(applied, applied_);
  if (commit_ > applied) {
    r.committed = log_.slice(applied + 1, commit_, config_.max_apply_batch);
    applied = r.committed.back().index;
  }
  ready_applied_to_ = applied;
  r.read_states = std::move(read_states_);
  read_states_.clear();
  ready_handed_out_ = true;
  if (r.hard_state) persisted_hard_state_ = *r.hard_state;
  return r;
}

void Raft::advance() {
  FL_CHECK(ready_handed_out_);
  ready_handed_out_ = false;
  unstable_from_ = 0;
  snapshot_to_persist_.reset();
  snapshot_to_apply_.reset();
  applied_ = ready_applied_to_;
}

base::Status Raft::check_invariants() const {
  auto broken = [&](const std::string& what) {
    return base::Error{config_.id + " (term " + std::to_string(term_) + "): " + what};
  };
  if (!violation_.empty()) return broken(violation_);
  if (commit_ > log_.last_index()) return broken("commit index past the end of the log");
  if (commit_ < highest_commit_seen_) return broken("commit index went backwards");
  if (applied_ > commit_) return broken("applied past the commit index");
  if (log_.last_term() > term_) return broken("log holds an entry from a future term");
  if (role_ == Role::Leader && voted_for_ != config_.id)
    return broken("a leader that did not vote for itself");
  return base::ok_status();
}

}  // namespace faultline::targets::raft
