#pragma once
// Zab: the atomic broadcast core of the ZAB target, a deterministic state machine like
// the Raft core (STYLE.md §1-2): step(message), tick(), propose(), request_sync(), then
// ready() lists what to persist (hard state, history changes), then what to send, then
// what to deliver, and advance() once the shell has done it. Phases as in ZooKeeper:
// fast leader election (LOOKING servers exchange votes ordered by (epoch, zxid, id) and
// adopt the best; a quorum of equal votes ends it), discovery (the leader takes an epoch
// above every follower's acceptedEpoch), synchronisation (each follower gets the
// leader's history — a diff, or the whole — before anything new; the leader is
// established once a quorum has synced), broadcast (proposals logged then acked;
// committed on a quorum of acks, delivered in zxid order). Channels are assumed FIFO
// (TCP); a gap in what a follower receives sends it back to LOOKING. Not thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "targets/zab/bugs.h"
#include "targets/zab/core/types.h"

namespace faultline::targets::zab {

struct Config {
  NodeId id;
  std::vector<NodeId> voters;  // every member, including `id`
  int timeout_ticks = 10;      // silence after which a follower (or a leader without a quorum) looks again
  int notify_ticks = 3;        // LOOKING servers re-send their vote this often
  Bugs bugs;
};

struct Ready {
  // 1. Persist (fsync) before anything below leaves the process.
  std::optional<HardState> hard_state;
  std::optional<Zxid> truncate_after;  // drop history entries with zxid > this (0: all)
  std::vector<Txn> txns;               // then append these
  // 2. Send.
  std::vector<Message> messages;
  // 3. Deliver, in zxid order.
  std::vector<Txn> committed;

  bool empty() const {
    return !hard_state && !truncate_after && txns.empty() && messages.empty() && committed.empty();
  }
};

// Applies the persist part of `ready` to a disk image.
void persist(Durable& disk, const Ready& ready);

class Zab {
 public:
  // A server starting from `disk`, LOOKING. Its state machine starts empty: committed
  // transactions are delivered again from the first once it follows a leader.
  Zab(Config config, const Durable& disk);

  void tick();
  void step(const Message& message);

  // Appends a command if this server is an established leader; returns its zxid (it
  // committed iff a transaction with this zxid and this data is delivered).
  std::optional<Zxid> propose(std::string command);
  // A sync read: false unless this server is in the broadcast phase. Otherwise a Sync
  // transaction naming this server and `context` is delivered here once committed; a
  // read served after it sees every write committed before the request.
  bool request_sync(uint64_t context);

  Ready ready();
  void advance();

  base::Status check_invariants() const;

  const NodeId& id() const { return config_.id; }
  ServerState state() const { return state_; }
  const NodeId& leader() const { return leader_; }
  // Leading and past synchronisation with a quorum; or following and synced.
  bool broadcasting() const;
  bool established() const { return state_ == ServerState::Leading && established_; }
  const HardState& hard_state() const { return hs_; }
  const std::vector<Txn>& history() const { return history_; }
  Zxid last_zxid() const { return history_.empty() ? 0 : history_.back().zxid; }
  Zxid delivered_zxid() const { return delivered_zxid_; }
  Epoch leader_epoch() const { return new_epoch_; }
  const Config& config() const { return config_; }
  // Why this server last went LOOKING ("the leader fell silent", ...), for logs.
  std::string_view looked_because() const { return looked_because_; }

 private:
  size_t quorum() const { return config_.voters.size() / 2 + 1; }
  bool has(Bug bug) const { return config_.bugs.count(bug) != 0; }
  Vote own_vote() const { return Vote{config_.id, last_zxid(), hs_.current_epoch}; }
  void send(Message m);
  // A follower's answer to the leader's `m`: same epoch, back to its sender.
  Message reply(const Message& m, MessageType type, Zxid zxid) const;
  void notify(const NodeId& to);
  void notify_all();
  void look(const char* why);
  void decide(const NodeId& leader);
  void follow(const NodeId& leader);
  void lead();
  void send_follower_info();                    // follower -> leader_: its acceptedEpoch
  void send_new_epoch(const NodeId& follower);  // leader: the new epoch
  void check_discovery();
  void check_epoch_quorum();  // leader: NEWLEADER once a quorum has ACKEPOCHed
  void send_new_leader(const NodeId& follower);
  // Leader: a new transaction of this epoch, logged and sent to every follower.
  Zxid broadcast(TxnType type, std::string data);
  // Leader: `m` (with this epoch) to every follower that was sent NEWLEADER.
  void to_followers(Message m);
  void maybe_commit();
  void commit_to(Zxid zxid);
  void deliver_to(Zxid zxid);
  void append(Txn txn);
  void truncate_after(Zxid zxid);
  bool in_history(Zxid zxid) const;

  void on_notification(const Message& m);
  void on_follower_message(const Message& m);
  void on_leader_message(const Message& m);

  Config config_;
  ServerState state_ = ServerState::Looking;
  NodeId leader_;
  HardState hs_;
  std::vector<Txn> history_;
  Zxid delivered_zxid_ = 0;
  Zxid commit_zxid_ = 0;

  // Election.
  uint64_t round_ = 0;
  Vote vote_;
  std::map<NodeId, Vote> received_;         // this round's votes
  std::map<NodeId, Message> out_of_election_;  // notifications of FOLLOWING/LEADING servers
  int elapsed_ = 0;

  // Following.
  bool synced_ = false;
  int silent_ticks_ = 0;  // since the leader was last heard
  bool epoch_acked_ = false;

  // Leading.
  Epoch new_epoch_ = 0;
  Epoch previous_current_epoch_ = 0;
  bool established_ = false;
  bool discovered_ = false;
  uint32_t counter_ = 0;
  std::map<NodeId, Epoch> follower_info_;   // discovery
  bool epoch_quorum_ = false;               // a quorum (with us) acked the new epoch
  std::map<NodeId, Zxid> epoch_acks_;       // ACKEPOCHs (last zxid) awaiting that quorum
  std::set<NodeId> acked_epoch_;            // sent NEWLEADER
  std::set<NodeId> synced_followers_;       // acked NEWLEADER
  std::map<NodeId, Zxid> acked_;            // the highest zxid each follower logged
  std::map<NodeId, int> follower_silence_;  // ticks since each follower was heard

  // What the next Ready carries.
  bool hard_state_dirty_ = false;
  std::optional<Zxid> truncate_;
  size_t unstable_from_ = SIZE_MAX;  // first history index not yet handed out to persist
  std::vector<Message> outbox_;
  std::vector<Txn> to_deliver_;
  bool ready_handed_out_ = false;

  std::string violation_;
  const char* looked_because_ = "started";
};

}  // namespace faultline::targets::zab
