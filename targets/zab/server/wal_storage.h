#pragma once
// WalStorage: the disk of one faultline-zab server — a common::Wal of zab WAL records
// (core/wire.h) in <data-dir>/wal: the hard state (acceptedEpoch, currentEpoch), history
// truncations and appended transactions, as each Ready's persist part lists them. The
// server's loop thread calls save() with each Ready and sync() to make it durable before
// the Ready's messages leave (run_ready in zab_node.h decides when): a follower's ACK, a
// leader's own vote for its proposal, ACKEPOCH and ACKNEWLEADER all speak for what is
// synced. The ZAB target takes no snapshots, so the log holds the whole history and a
// restart replays it all (the server delivers it again once it follows a leader). Not
// thread-safe.

#include <cstdint>
#include <filesystem>
#include <memory>

#include "base/result.h"
#include "targets/common/wal.h"
#include "targets/zab/core/zab_node.h"

namespace faultline::targets::zab::server {

class WalStorage final : public Storage {
 public:
  // Opens (creating) the data dir and replays it. Error: the WAL is corrupt (names the
  // file, or the record that does not decode).
  static base::Result<std::unique_ptr<WalStorage>> open(const std::filesystem::path& data_dir);

  // Appends the Ready's persist part (hard state, truncation, transactions, in the
  // order persist() applies them). An I/O failure is fatal (FL_PANIC) at the next sync.
  void save(const Ready& ready) override;
  // Makes everything saved durable (fdatasync); nothing to do when nothing was saved.
  // A failure is fatal (FL_PANIC): the server cannot know what is durable, and a
  // restart replays the WAL.
  void sync() override;

  // The image replayed at open(), for building the server; moved out (call once).
  Durable take_recovered() { return std::move(recovered_); }
  const common::WalRecovery& recovery() const { return wal_->recovery(); }
  uint64_t syncs() const { return syncs_; }

  static std::filesystem::path wal_dir(const std::filesystem::path& data_dir);

 private:
  WalStorage(std::unique_ptr<common::Wal> wal, Durable recovered)
      : wal_(std::move(wal)), recovered_(std::move(recovered)) {}

  std::unique_ptr<common::Wal> wal_;
  Durable recovered_;
  uint64_t syncs_ = 0;
};

}  // namespace faultline::targets::zab::server
