#pragma once
// ZabNode: one replica of the ZAB key-value service as a pure state machine — the Zab
// core, the shared key-value state machine (targets/common/kv.h) it delivers to, and the
// client requests waiting on it. Writes go to the established leader (a follower answers
// "not leader, try nK"); reads follow ZooKeeper: by default answered from this server's
// own replica (sequentially consistent, not linearizable), or with ReadMode::Sync after a
// sync marker through the leader comes back (linearizable; reads that arrive together
// share one marker). Driven like KvNode:
// requests, messages and ticks in; ready() -> persist -> send -> apply(ready) ->
// advance(); run_ready() does it in that order. Not thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "targets/common/kv.h"
#include "targets/common/shell.h"
#include "targets/zab/core/zab.h"

namespace faultline::targets::zab {

enum class ReadMode { Local, Sync };
std::string_view to_string(ReadMode mode);
std::optional<ReadMode> parse_read_mode(std::string_view name);  // local | sync

class ZabNode {
 public:
  // `incarnation`: different on every start of this server (the shell draws it), so a
  // sync marker of an earlier life, delivered again after a restart, never answers a
  // read of this one.
  ZabNode(Config config, ReadMode read_mode, const Durable& disk, uint64_t incarnation);

  void request(const common::Request& request);
  void step(const Message& message) { zab_.step(message); }
  void tick() { zab_.tick(); }

  Ready ready();
  void apply(const Ready& ready);
  void advance();
  std::vector<common::Reply> take_replies();

  const Zab& zab() const { return zab_; }
  const common::KvStateMachine& state() const { return state_; }

 private:
  void reply_status(const common::Request& request, common::ReplyStatus status);
  void fail_pending(common::ReplyStatus writes, common::ReplyStatus reads);

  Zab zab_;
  ReadMode read_mode_;
  common::KvStateMachine state_;
  std::map<Zxid, common::Request> pending_writes_;  // proposed here, by zxid
  std::multimap<uint64_t, common::Request> pending_syncs_;  // by marker context
  // The marker requested since the last ready(), which reads arriving now can share.
  std::optional<uint64_t> open_sync_;
  uint64_t next_context_;
  bool was_broadcasting_ = false;
  std::vector<common::Reply> replies_;
};

// The disk as the shell sees it, and the shell's one order (targets/common/shell.h).
using Storage = common::Storage<Ready>;

// Runs one Ready in durability order; the planted AckBeforePersist skips the sync.
template <class SendFn>
bool run_ready(ZabNode& node, Storage& storage, SendFn&& send) {
  return common::run_ready(node, storage, node.zab().config().bugs.count(Bug::AckBeforePersist) != 0,
                           std::forward<SendFn>(send));
}

}  // namespace faultline::targets::zab
