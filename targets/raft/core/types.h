#pragma once
// The Raft vocabulary shared by the core, the KV layer on top of it, the server shell
// and the simulator: node ids, log entries, the hard state that must survive a crash,
// snapshot metadata and the messages peers exchange (Raft §5, Figure 2). Plain data;
// copy freely.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace faultline::targets::raft {

using NodeId = std::string;  // "n1", "n2", ...
using Term = uint64_t;
using Index = uint64_t;

enum class EntryType : uint8_t {
  Command = 0,  // an opaque command for the state machine
  Noop = 1,     // appended by a new leader so it can commit in its own term (§8)
};

struct Entry {
  Term term = 0;
  Index index = 0;
  EntryType type = EntryType::Command;
  std::string data;
  bool operator==(const Entry&) const = default;
};

// What must be on disk before any message that depends on it leaves (Figure 2,
// "persistent state on all servers"). The log is persisted separately.
struct HardState {
  Term term = 0;
  NodeId voted_for;  // empty: no vote in `term`
  Index commit = 0;  // not required for safety; persisted so restarts re-apply less
  bool operator==(const HardState&) const = default;
};

// The point a snapshot covers: every entry up to `index` is folded into `data`.
// `prefix_hash` is the log's chained hash at `index` (see RaftLog), kept so a log that
// starts after a snapshot can still be compared with others.
struct SnapshotMeta {
  Index index = 0;
  Term term = 0;
  uint64_t prefix_hash = 0;
  std::vector<NodeId> voters;
  bool operator==(const SnapshotMeta&) const = default;
};

struct Snapshot {
  SnapshotMeta meta;
  std::string data;  // the state machine's own encoding
  bool operator==(const Snapshot&) const = default;
};

enum class MessageType : uint8_t {
  RequestVote = 0,
  RequestVoteReply = 1,
  AppendEntries = 2,  // also the heartbeat (no entries)
  AppendEntriesReply = 3,
  InstallSnapshot = 4,
  InstallSnapshotReply = 5,
};

// One message between two peers. Fields not used by a type stay at their defaults.
struct Message {
  MessageType type = MessageType::AppendEntries;
  NodeId from;
  NodeId to;
  Term term = 0;

  // RequestVote: the candidate's last log position (§5.4.1).
  // AppendEntries: the entry before `entries` (§5.3).
  Index log_index = 0;
  Term log_term = 0;

  std::vector<Entry> entries;  // AppendEntries
  Index commit = 0;            // AppendEntries: the leader's commit index

  // Replies: whether the request was granted / matched; on a match, the last index
  // the follower now holds in agreement (`match`); on a mismatch, a hint where the
  // leader should retry (`hint`, the follower's last index or conflict point).
  bool success = false;
  Index match = 0;
  Index hint = 0;

  // Heartbeat round identifier echoed by replies: read-index and lease reads use it to
  // learn that a majority still follows this leader after a given moment (§6.4).
  uint64_t round = 0;

  std::optional<Snapshot> snapshot;  // InstallSnapshot
  bool operator==(const Message&) const = default;
};

std::string_view to_string(MessageType type);

}  // namespace faultline::targets::raft
