#pragma once
// The ZAB vocabulary (Junqueira, Reed, Serafini: "Zab: High-performance broadcast for
// primary-backup systems", and ZooKeeper's implementation): transaction ids, the
// transactions of the history, what survives a crash, and the messages of the four
// phases — fast leader election, discovery, synchronisation, broadcast. Plain data.

#include <cstdint>
#include <string>
#include <vector>

namespace faultline::targets::zab {

using NodeId = std::string;  // "n1", "n2", ...
using Epoch = uint32_t;

// zxid = epoch << 32 | counter: ordered by epoch, then by position within the epoch.
using Zxid = uint64_t;
inline Zxid make_zxid(Epoch epoch, uint32_t counter) { return (static_cast<Zxid>(epoch) << 32) | counter; }
inline Epoch epoch_of(Zxid zxid) { return static_cast<Epoch>(zxid >> 32); }
inline uint32_t counter_of(Zxid zxid) { return static_cast<uint32_t>(zxid); }

enum class TxnType : uint8_t {
  Command = 0,  // a client's write, for the state machine
  Sync = 1,     // a sync read's marker: `data` names the server and request it unblocks
};

struct Txn {
  Zxid zxid = 0;
  TxnType type = TxnType::Command;
  std::string data;
  bool operator==(const Txn&) const = default;
};

// Zab's persistent variables besides the history: the last epoch this server promised
// to follow (acceptedEpoch, from NEWEPOCH) and the epoch whose history it holds
// (currentEpoch, from NEWLEADER).
struct HardState {
  Epoch accepted_epoch = 0;
  Epoch current_epoch = 0;
  bool operator==(const HardState&) const = default;
};

// What the disk holds: the image a server restarts from.
struct Durable {
  HardState hard_state;
  std::vector<Txn> history;  // in zxid order
};

enum class ServerState : uint8_t { Looking = 0, Following = 1, Leading = 2 };

// A vote in fast leader election, ordered by (epoch, zxid, id): the server with the
// most recent history wins, ties broken by id.
struct Vote {
  NodeId leader;
  Zxid zxid = 0;
  Epoch epoch = 0;
  bool operator==(const Vote&) const = default;
};
bool better(const Vote& a, const Vote& b);

enum class MessageType : uint8_t {
  Notification = 0,  // election: vote, round, sender's state
  FollowerInfo = 1,  // discovery: follower -> leader, its acceptedEpoch
  NewEpoch = 2,      // discovery: leader -> follower, the new epoch
  AckEpoch = 3,      // discovery: follower's currentEpoch and last zxid
  NewLeader = 4,     // sync: the leader's history (diff from `base`, or whole)
  AckNewLeader = 5,  // sync: follower holds the leader's history
  Proposal = 6,      // broadcast
  Ack = 7,           // broadcast: the follower logged everything up to `zxid`
  Commit = 8,        // broadcast: deliver everything up to `zxid`
  Ping = 9,          // leader heartbeat, carries the commit point
  PingReply = 10,    // follower heartbeat reply, a cumulative ack
  SyncRequest = 11,  // follower -> leader: propose a sync marker for `context`
};
std::string_view to_string(MessageType type);

struct Message {
  MessageType type = MessageType::Ping;
  NodeId from;
  NodeId to;
  Epoch epoch = 0;      // the sender's epoch (new epoch in discovery and after)
  Vote vote;            // Notification
  uint64_t round = 0;   // Notification: the election round (logical clock)
  ServerState state = ServerState::Looking;  // Notification
  Epoch current_epoch = 0;  // AckEpoch: the follower's currentEpoch
  Zxid zxid = 0;        // AckEpoch last zxid; NewLeader base; Ack/Commit/Ping/PingReply
  std::vector<Txn> txns;  // NewLeader: the history after `zxid`; Proposal: one txn
  bool whole = false;     // NewLeader: replace the follower's history with `txns`
  uint64_t context = 0;   // SyncRequest
  bool operator==(const Message&) const = default;
};

}  // namespace faultline::targets::zab
