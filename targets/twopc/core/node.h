#pragma once
// CoordinatorNode and ParticipantNode: the 2PC cores joined to the shared client
// protocol (targets/common/kv.h; the calls' encoding is in core/wire.h), the way ZabNode
// joins Zab to the key-value state machine, so the shared server I/O and the shared
// shell (targets/common/shell.h) drive them: requests, messages and ticks in; ready() ->
// persist -> send -> apply(ready) -> advance(); then take_replies(). The coordinator
// answers a transaction once its outcome is decided (and a commit logged): Ok (a
// read-all's value: the balances, core/wire.h), CasMismatch (aborted: final, as a cas
// mismatch is; the value names the reason), BadRequest (not a transaction). A participant answers an audit at once, and a transaction NotLeader, naming
// the coordinator. Pure; not thread-safe.

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "targets/common/kv.h"
#include "targets/twopc/core/coordinator.h"
#include "targets/twopc/core/participant.h"

namespace faultline::targets::twopc {

class CoordinatorNode {
 public:
  CoordinatorNode(CoordinatorConfig config, const CoordinatorDurable& disk, int64_t now_ms)
      : core_(std::move(config), disk, now_ms) {}

  void request(const common::Request& request);
  void step(const Message& message) { core_.step(message); }
  void tick(int64_t now_ms) { core_.tick(now_ms); }

  CoordinatorReady ready() const { return core_.ready(); }
  void apply(const CoordinatorReady& ready) { core_.apply(ready); }
  void advance() { core_.advance(); }
  std::vector<common::Reply> take_replies();

  const Coordinator& core() const { return core_; }

 private:
  Coordinator core_;
  // Who waits for each transaction's outcome: (client id, seq) of every request for it
  // (a client's retry after a lost connection asks again).
  std::multimap<TxnId, std::pair<uint64_t, uint64_t>> waiting_;
  std::vector<common::Reply> replies_;  // answered at once (bad requests)
};

class ParticipantNode {
 public:
  ParticipantNode(ParticipantConfig config, const ParticipantDurable& disk, int64_t now_ms)
      : core_(std::move(config), disk, now_ms) {}

  void request(const common::Request& request);
  void step(const Message& message) { core_.step(message); }
  void tick(int64_t now_ms) { core_.tick(now_ms); }

  ParticipantReady ready() const { return core_.ready(); }
  void apply(const ParticipantReady& ready) { core_.apply(ready); }
  void advance() { core_.advance(); }
  std::vector<common::Reply> take_replies() { return std::exchange(replies_, {}); }

  const Participant& core() const { return core_; }

 private:
  Participant core_;
  std::vector<common::Reply> replies_;
};

// Whether the shell skips the sync before sending (targets/common/shell.h): never for
// the coordinator; for a participant, only with its planted VoteBeforePersist.
inline bool skips_sync(const CoordinatorNode&) { return false; }
inline bool skips_sync(const ParticipantNode& node) { return skips_sync(node.core()); }

}  // namespace faultline::targets::twopc
