#include "targets/zab/core/zab_node.h"

#include "base/log.h"

namespace faultline::targets::zab {

using common::ReplyStatus;
using common::Request;

std::string_view to_string(ReadMode mode) { return mode == ReadMode::Local ? "local" : "sync"; }

std::optional<ReadMode> parse_read_mode(std::string_view name) {
  if (name == "local") return ReadMode::Local;
  if (name == "sync") return ReadMode::Sync;
  return std::nullopt;
}

ZabNode::ZabNode(Config config, ReadMode read_mode, const Durable& disk, uint64_t incarnation)
    : zab_(std::move(config), disk), read_mode_(read_mode), next_context_((incarnation & 0xffffffffULL) << 32) {}

void ZabNode::reply_status(const Request& request, ReplyStatus status) {
  common::Reply r;
  r.client_id = request.client_id;
  r.seq = request.seq;
  r.status = status;
  if (status == ReplyStatus::NotLeader && zab_.leader() != zab_.id()) r.leader = zab_.leader();
  replies_.push_back(std::move(r));
}

void ZabNode::request(const Request& request) {
  if (common::is_read(request.kind)) {
    // ZooKeeper serves clients only in the broadcast phase.
    if (!zab_.broadcasting()) {
      reply_status(request, ReplyStatus::NotLeader);
      return;
    }
    if (read_mode_ == ReadMode::Local) {
      replies_.push_back(state_.read(request));  // this replica, however far behind
      return;
    }
    // Reads that arrive before the next ready() share one marker, as Raft's read-index
    // rounds are shared. Still linearizable: a write acknowledged before any of them
    // arrived was committed in an earlier Ready, so it precedes the marker, which a
    // follower's request reaches the leader only after, and which a leader orders
    // after everything it has proposed.
    if (!open_sync_) {
      const uint64_t context = next_context_++;
      if (!zab_.request_sync(context)) {
        reply_status(request, ReplyStatus::NotLeader);
        return;
      }
      open_sync_ = context;
    }
    pending_syncs_.emplace(*open_sync_, request);
    return;
  }
  if (auto cached = state_.cached(request)) {
    replies_.push_back(*cached);
    return;
  }
  auto zxid = zab_.propose(common::encode(request));
  if (!zxid) {
    reply_status(request, ReplyStatus::NotLeader);
    return;
  }
  pending_writes_[*zxid] = request;
}

void ZabNode::apply(const Ready& ready) {
  for (const Txn& txn : ready.committed) {
    if (txn.type == TxnType::Sync) {
      // "<server>\n<context>": a sync marker; this server's own unblocks a read.
      const auto newline = txn.data.find('\n');
      if (newline == std::string::npos || txn.data.substr(0, newline) != zab_.id()) continue;
      const uint64_t context = std::stoull(txn.data.substr(newline + 1));
      auto [first, last] = pending_syncs_.equal_range(context);
      for (auto it = first; it != last; ++it) replies_.push_back(state_.read(it->second));
      pending_syncs_.erase(first, last);
      continue;
    }
    auto request = common::decode_request(txn.data);
    if (!request) FL_PANIC(zab_.id() << ": txn " << txn.zxid << ": " << request.error().message);
    common::Reply result = state_.apply(*request);
    auto pending = pending_writes_.find(txn.zxid);
    if (pending == pending_writes_.end()) continue;
    // A zxid names one proposal of one leader: delivered with our data, it is ours.
    if (pending->second == *request) {
      replies_.push_back(result);
    } else {
      reply_status(pending->second, ReplyStatus::NotApplied);
    }
    pending_writes_.erase(pending);
  }
}

void ZabNode::fail_pending(ReplyStatus writes, ReplyStatus reads) {
  for (const auto& [zxid, request] : pending_writes_) reply_status(request, writes);
  pending_writes_.clear();
  for (const auto& [context, request] : pending_syncs_) reply_status(request, reads);
  pending_syncs_.clear();
}

Ready ZabNode::ready() {
  // The marker requested so far leaves with this Ready: later reads need a new one.
  open_sync_.reset();
  return zab_.ready();
}

void ZabNode::advance() {
  zab_.advance();
  const bool broadcasting = zab_.broadcasting();
  if (was_broadcasting_ && !broadcasting) {
    // Out of the broadcast phase: proposals made here may still be committed by the
    // next leader (unknown); a sync read that was not served had no effect (definite).
    fail_pending(ReplyStatus::Unknown, ReplyStatus::NotLeader);
  }
  was_broadcasting_ = broadcasting;
}

std::vector<common::Reply> ZabNode::take_replies() {
  std::vector<common::Reply> out;
  out.swap(replies_);
  return out;
}

}  // namespace faultline::targets::zab
