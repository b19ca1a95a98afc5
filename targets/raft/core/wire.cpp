#include "targets/raft/core/wire.h"

#include "targets/common/codec.h"

namespace faultline::targets::raft {

using common::Decoder;
using common::Encoder;

namespace {

// The first byte of a snapshot file; a different layout gets a new number.
constexpr uint8_t kSnapshotFileVersion = 1;

void put_entry(Encoder& e, const Entry& entry) {
  e.put_u64(entry.term);
  e.put_u64(entry.index);
  e.put_u8(static_cast<uint8_t>(entry.type));
  e.put_bytes(entry.data);
}

bool get_entry(Decoder& d, Entry& entry) {
  uint8_t type = 0;
  if (!(d.get_u64(entry.term) && d.get_u64(entry.index) && d.get_u8(type) &&
        d.get_bytes(entry.data)))
    return false;
  if (type > static_cast<uint8_t>(EntryType::Noop)) return false;
  entry.type = static_cast<EntryType>(type);
  return true;
}

bool get_entries(Decoder& d, std::vector<Entry>& entries) {
  uint64_t n = 0;
  if (!d.get_count(n)) return false;
  entries.resize(n);
  for (auto& entry : entries)
    if (!get_entry(d, entry)) return false;
  return true;
}

void put_meta(Encoder& e, const SnapshotMeta& meta) {
  e.put_u64(meta.index);
  e.put_u64(meta.term);
  e.put_u64(meta.prefix_hash);
  e.put_u64(meta.voters.size());
  for (const auto& voter : meta.voters) e.put_string(voter);
}

bool get_meta(Decoder& d, SnapshotMeta& meta) {
  uint64_t n = 0;
  if (!(d.get_u64(meta.index) && d.get_u64(meta.term) && d.get_u64(meta.prefix_hash) &&
        d.get_count(n)))
    return false;
  meta.voters.resize(n);
  for (auto& voter : meta.voters)
    if (!d.get_string(voter)) return false;
  return true;
}

void put_snapshot(Encoder& e, const Snapshot& snapshot) {
  put_meta(e, snapshot.meta);
  e.put_bytes(snapshot.data);
}

bool get_snapshot(Decoder& d, Snapshot& snapshot) {
  return get_meta(d, snapshot.meta) && d.get_bytes(snapshot.data);
}

}  // namespace

std::string encode_message(const Message& m) {
  Encoder e;
  e.put_u8(static_cast<uint8_t>(m.type));
  e.put_string(m.from);
  e.put_string(m.to);
  e.put_u64(m.term);
  e.put_u64(m.log_index);
  e.put_u64(m.log_term);
  e.put_u64(m.entries.size());
  for (const auto& entry : m.entries) put_entry(e, entry);
  e.put_u64(m.commit);
  e.put_bool(m.success);
  e.put_u64(m.match);
  e.put_u64(m.hint);
  e.put_u64(m.round);
  e.put_bool(m.snapshot.has_value());
  if (m.snapshot) put_snapshot(e, *m.snapshot);
  return e.take();
}

base::Result<Message> decode_message(std::string_view bytes) {
  Decoder d(bytes);
  Message m;
  uint8_t type = 0;
  bool has_snapshot = false;
  bool ok = d.get_u8(type) && type <= static_cast<uint8_t>(MessageType::InstallSnapshotReply) &&
            d.get_string(m.from) && d.get_string(m.to) && d.get_u64(m.term) &&
            d.get_u64(m.log_index) && d.get_u64(m.log_term) && get_entries(d, m.entries) &&
            d.get_u64(m.commit) && d.get_bool(m.success) && d.get_u64(m.match) &&
            d.get_u64(m.hint) && d.get_u64(m.round) && d.get_bool(has_snapshot);
  if (ok && has_snapshot) {
    m.snapshot.emplace();
    ok = get_snapshot(d, *m.snapshot);
  }
  if (!ok || !d.finish()) return d.error("raft message");
  m.type = static_cast<MessageType>(type);
  return m;
}

std::string encode_snapshot_file(const Snapshot& snapshot) {
  Encoder e;
  e.put_u8(kSnapshotFileVersion);
  put_snapshot(e, snapshot);
  return e.take();
}

base::Result<Snapshot> decode_snapshot_file(std::string_view bytes) {
  Decoder d(bytes);
  uint8_t version = 0;
  Snapshot snapshot;
  if (!d.get_u8(version) || version != kSnapshotFileVersion || !get_snapshot(d, snapshot) ||
      !d.finish())
    return d.error("raft snapshot file");
  return snapshot;
}

std::string encode_hard_state_record(const HardState& hs) {
  Encoder e;
  e.put_u8(static_cast<uint8_t>(WalRecordType::HardState));
  e.put_u64(hs.term);
  e.put_string(hs.voted_for);
  e.put_u64(hs.commit);
  return e.take();
}

std::string encode_entries_record(const std::vector<Entry>& entries) {
  Encoder e;
  e.put_u8(static_cast<uint8_t>(WalRecordType::Entries));
  e.put_u64(entries.size());
  for (const auto& entry : entries) put_entry(e, entry);
  return e.take();
}

std::string encode_snapshot_marker_record(const SnapshotMeta& meta) {
  Encoder e;
  e.put_u8(static_cast<uint8_t>(WalRecordType::SnapshotMarker));
  put_meta(e, meta);
  return e.take();
}

DurableReplay::DurableReplay(std::optional<Snapshot> snapshot_file)
    : file_(std::move(snapshot_file)) {}

base::Status DurableReplay::apply_record(std::string_view record) {
  Decoder d(record);
  uint8_t type = 0;
  if (!d.get_u8(type)) return d.error("raft WAL record");
  // Each record is applied exactly as raft::persist applies a Ready, so the replayed
  // image is the one the simulator's fake disk would hold.
  Ready part;
  switch (static_cast<WalRecordType>(type)) {
    case WalRecordType::HardState: {
      HardState hs;
      if (!(d.get_u64(hs.term) && d.get_string(hs.voted_for) && d.get_u64(hs.commit)))
        return d.error("raft WAL hard state");
      part.hard_state = std::move(hs);
      break;
    }
    case WalRecordType::Entries: {
      if (!get_entries(d, part.entries)) return d.error("raft WAL entries");
      for (size_t i = 1; i < part.entries.size(); ++i)
        if (part.entries[i].index != part.entries[i - 1].index + 1)
          return base::Error{"raft WAL entries: index " + std::to_string(part.entries[i].index) +
                             " does not follow " + std::to_string(part.entries[i - 1].index)};
      break;
    }
    case WalRecordType::SnapshotMarker: {
      Snapshot marker;  // data comes from the snapshot file in finish()
      if (!get_meta(d, marker.meta)) return d.error("raft WAL snapshot marker");
      part.snapshot = std::move(marker);
      break;
    }
    default:
      return base::Error{"raft WAL record: unknown type " + std::to_string(type)};
  }
  if (!d.finish()) return d.error("raft WAL record");
  persist(disk_, part);
  ++records_;
  return base::ok_status();
}

base::Result<Durable> DurableReplay::finish() && {
  const Index marked = disk_.snapshot ? disk_.snapshot->meta.index : 0;
  if (!file_) {
    if (disk_.snapshot)
      return base::Error{"the WAL names a snapshot at index " + std::to_string(marked) +
                         " but there is no snapshot file"};
    return std::move(disk_);
  }
  if (file_->meta.index < marked)
    return base::Error{"the snapshot file covers index " + std::to_string(file_->meta.index) +
                       " but the WAL names a snapshot at index " + std::to_string(marked)};
  if (disk_.snapshot && file_->meta.index == marked) {
    disk_.snapshot->data = std::move(file_->data);
  } else {
    // A crash between writing the snapshot file and logging its marker: the file is
    // newer, and it decides which entries remain (as persist does for a new snapshot).
    Ready part;
    part.snapshot = std::move(*file_);
    persist(disk_, part);
  }
  return std::move(disk_);
}

}  // namespace faultline::targets::raft
