#pragma once
// The bytes of the Raft target: peer messages on the wire, and the records of a
// node's write-ahead log and snapshot file, with the replay that turns them back into
// the raft::Durable a node restarts from. Used by the server shell (send, WAL append,
// recovery) and by tools/tests. Pure functions over bytes; thread-safe. Every decoder
// returns an Error for truncated or garbage input, never crashes or reads past it.

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "targets/raft/core/raft.h"
#include "targets/raft/core/types.h"

namespace faultline::targets::raft {

// One peer message, every field (the optional snapshot included).
std::string encode_message(const Message& message);
base::Result<Message> decode_message(std::string_view bytes);

// The snapshot file: meta and the state machine's data, written whole with
// common::atomic_write_file (so it is either the old or the new one after a crash).
std::string encode_snapshot_file(const Snapshot& snapshot);
base::Result<Snapshot> decode_snapshot_file(std::string_view bytes);

// WAL records (each one common::Wal record).
enum class WalRecordType : uint8_t {
  HardState = 1,       // the latest term / vote / commit
  Entries = 2,         // a batch of entries, replacing any suffix from its first index
  SnapshotMarker = 3,  // the snapshot file now covers up to this point (meta only)
};
std::string encode_hard_state_record(const HardState& hard_state);
// Precondition: entries are consecutive (as in a Ready). An empty batch is allowed.
std::string encode_entries_record(const std::vector<Entry>& entries);
std::string encode_snapshot_marker_record(const SnapshotMeta& meta);

// Rebuilds a node's disk image. Usage: start(snapshot file, if any), then
// apply_record() for every WAL record in order, then finish(). A record that does not
// decode is an Error (the WAL already dropped a torn tail; anything else is corruption).
class DurableReplay {
 public:
  explicit DurableReplay(std::optional<Snapshot> snapshot_file);
  base::Status apply_record(std::string_view record);
  // Error: the WAL names a snapshot newer than the snapshot file (the file was lost).
  base::Result<Durable> finish() &&;

  uint64_t records() const { return records_; }

 private:
  std::optional<Snapshot> file_;
  Durable disk_;
  uint64_t records_ = 0;
};

}  // namespace faultline::targets::raft
