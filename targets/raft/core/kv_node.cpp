#include "targets/raft/core/kv_node.h"

#include "base/log.h"

namespace faultline::targets::raft {

std::string_view to_string(ReadMode mode) {
  switch (mode) {
    case ReadMode::Log: return "log";
    case ReadMode::ReadIndex: return "read-index";
    case ReadMode::Lease: return "lease";
  }
  return "?";
}

std::optional<ReadMode> parse_read_mode(std::string_view name) {
  for (ReadMode mode : {ReadMode::Log, ReadMode::ReadIndex, ReadMode::Lease})
    if (to_string(mode) == name) return mode;
  return std::nullopt;
}

void configure_reads(Config& config, ReadMode mode, int64_t min_election_ms) {
  const bool lease = mode == ReadMode::Lease;
  config.check_quorum = lease;
  config.lease_ms = lease ? min_election_ms * 6 / 10 : 0;
}

KvNode::KvNode(Config config, NodeOptions options, const Durable& disk, uint64_t seed)
    : raft_(config, disk, seed), options_(options), bugs_(config.bugs) {
  applied_ = raft_.applied_index();
}

void KvNode::reply_status(const Request& request, ReplyStatus status) {
  Reply r;
  r.client_id = request.client_id;
  r.seq = request.seq;
  r.status = status;
  if (status == ReplyStatus::NotLeader && raft_.leader() != raft_.id()) r.leader = raft_.leader();
  reply(std::move(r));
}

void KvNode::request(const Request& request) {
  if (is_read(request.kind)) {
    if (bugs_.count(Bug::StaleRead)) {
      reply(state_.read(request));  // the planted bug: local state, any node, no check
      return;
    }
    if (options_.read_mode == ReadMode::Lease) {
      if (auto index = raft_.lease_read()) {
        awaiting_apply_.emplace(*index, request);
        serve_reads();
        return;
      }
      // No lease right now (new leader, lost heartbeats): fall back to read-index.
    }
    if (options_.read_mode != ReadMode::Log) {
      const uint64_t context = next_read_context_++;
      if (!raft_.read_index(context)) {
        reply_status(request, ReplyStatus::NotLeader);
        return;
      }
      awaiting_read_index_.emplace(context, request);
      return;
    }
  } else if (auto cached = state_.cached(request)) {
    reply(*cached);  // a retry of something already applied
    return;
  }
  auto proposal = raft_.propose(encode(request));
  if (!proposal) {
    reply_status(request, ReplyStatus::NotLeader);
    return;
  }
  pending_writes_[proposal->index] = PendingWrite{proposal->term, request};
}

void KvNode::apply(const Ready& ready) {
  if (ready.apply_snapshot) {
    auto loaded = state_.load_snapshot(ready.apply_snapshot->data);
    if (!loaded) FL_PANIC(raft_.id() << ": snapshot does not load: " << loaded.error().message);
    applied_ = ready.apply_snapshot->meta.index;
    // Requests whose entries the snapshot swallowed: their outcome is not known here.
    while (!pending_writes_.empty() && pending_writes_.begin()->first <= applied_) {
      reply_status(pending_writes_.begin()->second.request, ReplyStatus::Unknown);
      pending_writes_.erase(pending_writes_.begin());
    }
  }
  for (const Entry& entry : ready.committed) {
    std::optional<Reply> result;
    if (entry.type == EntryType::Command) {
      auto request = decode_request(entry.data);
      if (!request) FL_PANIC(raft_.id() << ": entry " << entry.index << ": " << request.error().message);
      result = state_.apply(*request);
    }
    applied_ = entry.index;
    auto pending = pending_writes_.find(entry.index);
    if (pending == pending_writes_.end()) continue;
    // Our proposal committed iff the entry applied at its index has its term; any
    // other entry there means it was overwritten before it committed (§5.3).
    if (pending->second.term == entry.term && result) {
      reply(*result);
    } else {
      reply_status(pending->second.request, ReplyStatus::NotApplied);
    }
    pending_writes_.erase(pending);
  }
  for (const ReadState& read : ready.read_states) {
    auto it = awaiting_read_index_.find(read.context);
    if (it == awaiting_read_index_.end()) continue;
    awaiting_apply_.emplace(read.index, it->second);
    awaiting_read_index_.erase(it);
  }
  serve_reads();
}

void KvNode::serve_reads() {
  while (!awaiting_apply_.empty() && awaiting_apply_.begin()->first <= applied_) {
    reply(state_.read(awaiting_apply_.begin()->second));
    awaiting_apply_.erase(awaiting_apply_.begin());
  }
}

void KvNode::advance() {
  raft_.advance();
  if (raft_.role() != Role::Leader) {
    // The core dropped its unconfirmed reads when it stopped leading; a read that was
    // not served had no effect, so saying so is a definite answer.
    for (const auto& [context, request] : awaiting_read_index_)
      reply_status(request, ReplyStatus::NotLeader);
    awaiting_read_index_.clear();
  }
  const Index applied = raft_.applied_index();
  if (applied >= raft_.log().snapshot_meta().index + options_.snapshot_every)
    raft_.compact(applied, state_.encode_snapshot());
}

std::vector<Reply> KvNode::take_replies() {
  std::vector<Reply> out;
  out.swap(replies_);
  return out;
}

}  // namespace faultline::targets::raft
