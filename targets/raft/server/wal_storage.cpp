#include "targets/raft/server/wal_storage.h"

#include <system_error>

#include "base/log.h"
#include "targets/common/files.h"
#include "targets/raft/core/wire.h"

namespace faultline::targets::raft::server {

namespace fs = std::filesystem;

fs::path WalStorage::snapshot_path(const fs::path& data_dir) { return data_dir / "snapshot"; }
fs::path WalStorage::wal_dir(const fs::path& data_dir) { return data_dir / "wal"; }

WalStorage::WalStorage(fs::path data_dir, std::unique_ptr<common::Wal> wal, Durable mirror)
    : data_dir_(std::move(data_dir)), wal_(std::move(wal)), mirror_(std::move(mirror)) {}

base::Result<std::unique_ptr<WalStorage>> WalStorage::open(const fs::path& data_dir,
                                                           bool sync_commit) {
  std::error_code ec;
  fs::create_directories(wal_dir(data_dir), ec);
  if (ec) return base::Error{"cannot create " + wal_dir(data_dir).string() + ": " + ec.message()};

  std::optional<Snapshot> file;
  const fs::path snap = snapshot_path(data_dir);
  if (fs::exists(snap)) {
    auto bytes = common::read_file(snap);
    if (!bytes) return bytes.error();
    auto decoded = decode_snapshot_file(*bytes);
    if (!decoded) return base::Error{snap.string() + ": " + decoded.error().message};
    file = std::move(*decoded);
  }
  DurableReplay replay(std::move(file));
  base::Status replayed = base::ok_status();
  auto wal = common::Wal::open(wal_dir(data_dir), [&](std::string_view record) {
    if (!replayed) return;
    replayed = replay.apply_record(record);
  });
  if (!wal) return wal.error();
  if (!replayed)
    return base::Error{wal_dir(data_dir).string() + ": record " +
                       std::to_string(replay.records() + 1) + ": " + replayed.error().message};
  const uint64_t records = replay.records();
  auto durable = std::move(replay).finish();
  if (!durable) return base::Error{data_dir.string() + ": " + durable.error().message};
  std::unique_ptr<WalStorage> storage(
      new WalStorage(data_dir, std::move(*wal), std::move(*durable)));
  storage->records_replayed_ = records;
  storage->sync_commit_ = sync_commit;
  return storage;
}

void WalStorage::save(const Ready& ready) {
  // Term and vote must be durable before any message that depends on them leaves;
  // the commit index need not be (see the header).
  if (sync_commit_ || ready.snapshot || !ready.entries.empty() ||
      (ready.hard_state && (ready.hard_state->term != mirror_.hard_state.term ||
                            ready.hard_state->voted_for != mirror_.hard_state.voted_for)))
    must_sync_ = true;
  Ready part;
  part.hard_state = ready.hard_state;
  part.entries = ready.entries;
  part.snapshot = ready.snapshot;
  persist(mirror_, part);
  if (ready.snapshot) {
    compact();  // the checkpoint it writes includes this Ready's hard state and entries
    return;
  }
  if (ready.hard_state) wal_->append(encode_hard_state_record(*ready.hard_state));
  if (!ready.entries.empty()) wal_->append(encode_entries_record(ready.entries));
}

void WalStorage::sync() {
  if (!must_sync_) {
    if (wal_->unsynced_bytes() != 0) ++syncs_deferred_;
    return;
  }
  sync_all();
}

void WalStorage::sync_all() {
  must_sync_ = false;
  if (wal_->unsynced_bytes() == 0) return;
  auto status = wal_->sync();
  if (!status) FL_PANIC("WAL sync failed: " << status.error().message);
  ++syncs_;
}

// Order matters for a crash at any point: (1) the snapshot file, atomically; (2) the old
// segment synced and a new one begun; (3) the new segment gets a marker and a checkpoint
// of the hard state and every entry after the snapshot, and is synced; (4) only then
// the old segments go. Replay after a crash between (1) and (3) sees a snapshot file
// newer than the WAL's last marker and trims the replayed log to it.
void WalStorage::compact() {
  const Snapshot& snapshot = *mirror_.snapshot;
  auto written = common::atomic_write_file(snapshot_path(data_dir_), encode_snapshot_file(snapshot));
  if (!written) FL_PANIC("snapshot write failed: " << written.error().message);
  auto rotated = wal_->rotate();
  if (!rotated) FL_PANIC("WAL rotate failed: " << rotated.error().message);
  wal_->append(encode_snapshot_marker_record(snapshot.meta));
  wal_->append(encode_hard_state_record(mirror_.hard_state));
  if (!mirror_.entries.empty()) wal_->append(encode_entries_record(mirror_.entries));
  sync_all();
  auto removed = wal_->remove_segments_before(wal_->current_segment());
  if (!removed) FL_PANIC("WAL cleanup failed: " << removed.error().message);
  FL_LOG(Info, "compacted: snapshot at index " << snapshot.meta.index << " term "
                                               << snapshot.meta.term << ", "
                                               << mirror_.entries.size() << " entries kept");
}

}  // namespace faultline::targets::raft::server
