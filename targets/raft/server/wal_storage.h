#pragma once
// WalStorage: the disk of one faultline-raft node — a common::Wal of raft WAL records
// (core/wire.h) in <data-dir>/wal and the latest snapshot in <data-dir>/snapshot. The
// server's loop thread calls save() with each Ready and sync() to make it durable
// (run_ready in kv_node.h decides when). A Ready carrying a snapshot compacts: the
// snapshot file is written atomically, the WAL moves to a new segment that starts with
// a checkpoint of everything after the snapshot, and older segments are deleted, so
// the disk stays bounded however long the node runs. A Ready whose only durable change
// is the commit index is written but not fsynced on its own (etcd's MustSync): the
// commit index is volatile state in Raft (§5, Figure 2), so losing its last advance in
// a crash only means re-learning it from the leader; the next sync that must happen
// (entries, term, vote, snapshot) or sync_all() carries it. Not thread-safe.

#include <filesystem>
#include <memory>

#include "base/result.h"
#include "targets/common/wal.h"
#include "targets/raft/core/kv_node.h"

namespace faultline::targets::raft::server {

class WalStorage final : public Storage {
 public:
  // Opens (creating) the data dir and replays it. The Durable to build the node from
  // is durable(). Error: the WAL or the snapshot file is corrupt (names the file).
  // `sync_commit`: fsync commit-only Readies as well (the benchmark's baseline).
  static base::Result<std::unique_ptr<WalStorage>> open(const std::filesystem::path& data_dir,
                                                        bool sync_commit = false);

  // Appends the Ready's persist part. Compaction (a Ready with a snapshot) writes and
  // fsyncs at once. An I/O failure is fatal (FL_PANIC): the node cannot know what is
  // durable, and restarting replays the WAL.
  void save(const Ready& ready) override;
  // Makes every saved entry, snapshot, term and vote durable (fdatasync). Saved
  // commit-only hard states are synced too when anything else is, and otherwise wait,
  // unless the storage was opened with `sync_commit`.
  void sync() override;
  // Makes everything saved durable, commit-only hard states included (clean stop).
  void sync_all();

  // What the disk holds (synced or not): the image recovered at open(), kept up to
  // date by save().
  const Durable& durable() const { return mirror_; }
  const common::WalRecovery& recovery() const { return wal_->recovery(); }
  uint64_t records_replayed() const { return records_replayed_; }
  uint64_t syncs() const { return syncs_; }
  // sync() calls that found only commit-only hard states to write, and left them.
  uint64_t syncs_deferred() const { return syncs_deferred_; }

  static std::filesystem::path snapshot_path(const std::filesystem::path& data_dir);
  static std::filesystem::path wal_dir(const std::filesystem::path& data_dir);

 private:
  WalStorage(std::filesystem::path data_dir, std::unique_ptr<common::Wal> wal, Durable mirror);
  void compact();

  std::filesystem::path data_dir_;
  std::unique_ptr<common::Wal> wal_;
  Durable mirror_;
  uint64_t records_replayed_ = 0;
  uint64_t syncs_ = 0;
  uint64_t syncs_deferred_ = 0;
  bool sync_commit_ = false;
  bool must_sync_ = false;  // something other than a commit-only hard state is unsynced
};

}  // namespace faultline::targets::raft::server
