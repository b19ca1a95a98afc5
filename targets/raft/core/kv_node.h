#pragma once
// KvNode: one replica of the Raft key-value service as a pure state machine — the
// Raft core, the key-value state machine it feeds, and the client requests waiting
// for their entries or reads. The server's I/O shell and the simulator drive it the
// same way: requests, messages and ticks in; then ready() -> persist -> send ->
// apply(ready) -> advance(), and the replies to hand back (run_ready() below does
// exactly that). Not thread-safe.

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "targets/common/shell.h"
#include "targets/raft/core/kv.h"
#include "targets/raft/core/raft.h"

namespace faultline::targets::raft {

enum class ReadMode {
  Log,        // reads are commands in the log
  ReadIndex,  // the leader confirms its leadership with a heartbeat round (§6.4)
  Lease,      // the leader answers alone while its lease holds on its wall clock
};
std::string_view to_string(ReadMode mode);
std::optional<ReadMode> parse_read_mode(std::string_view name);  // log|read-index|lease

// What a read mode asks of the core: lease reads need check quorum (leader stickiness)
// and a lease shorter than the minimum election timeout — 60% of `min_election_ms`,
// a margin for late ticks and drift, not for a clock that jumps (that is the point);
// the other modes need neither. The server and the simulator both configure this way.
void configure_reads(Config& config, ReadMode mode, int64_t min_election_ms);

struct NodeOptions {
  ReadMode read_mode = ReadMode::ReadIndex;
  Index snapshot_every = 1000;  // compact once this many entries are applied past the snapshot
};

class KvNode {
 public:
  // `config.bugs` holds every planted bug; each layer acts on its own.
  KvNode(Config config, NodeOptions options, const Durable& disk, uint64_t seed);

  // A client request. Its reply appears in take_replies(), now (not the leader, a
  // cached retry, a stale read) or after a later apply().
  void request(const Request& request);
  void step(const Message& message) { raft_.step(message); }
  void tick() { raft_.tick(); }
  void set_wall_clock_ms(int64_t now_ms) { raft_.set_wall_clock_ms(now_ms); }

  Ready ready() { return raft_.ready(); }
  // After the Ready has been persisted and its messages sent: applies its snapshot,
  // committed entries and read states, answering the requests they complete.
  void apply(const Ready& ready);
  void advance();

  std::vector<Reply> take_replies();

  const Raft& raft() const { return raft_; }
  const KvStateMachine& state() const { return state_; }
  const NodeOptions& options() const { return options_; }

 private:
  struct PendingWrite {
    Term term;
    Request request;
  };
  void reply(Reply reply) { replies_.push_back(std::move(reply)); }
  void reply_status(const Request& request, ReplyStatus status);
  void serve_reads();

  Raft raft_;
  NodeOptions options_;
  Bugs bugs_;
  KvStateMachine state_;
  Index applied_ = 0;
  std::map<Index, PendingWrite> pending_writes_;    // by log index
  std::map<uint64_t, Request> awaiting_read_index_;  // by read context
  std::multimap<Index, Request> awaiting_apply_;     // confirmed reads, by read index
  uint64_t next_read_context_ = 1;
  std::vector<Reply> replies_;
};

// The disk as the shell sees it, and the shell's one order (targets/common/shell.h).
using Storage = common::Storage<Ready>;

// Runs one Ready in durability order; the planted AckBeforePersist skips the sync.
template <class SendFn>
bool run_ready(KvNode& node, Storage& storage, SendFn&& send) {
  return common::run_ready(node, storage, node.raft().config().bugs.count(Bug::AckBeforePersist) != 0,
                           std::forward<SendFn>(send));
}

}  // namespace faultline::targets::raft
