#pragma once
// WalStorage: the disk of one faultline-twopc node — a common::Wal in <data-dir>/wal
// holding one record per item of each Ready's persist part (core/wire.h): a
// participant's transaction records, a coordinator's commit decisions. The server's loop
// thread calls save() with each Ready and sync() before the Ready's messages leave
// (run_ready in the shell decides when), so a yes vote means "prepared" is on disk and a
// Commit means the decision is. Records are never compacted: the log is the node's whole
// history, replayed at start. Not thread-safe.

#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>

#include "base/log.h"
#include "base/result.h"
#include "targets/common/shell.h"
#include "targets/common/wal.h"
#include "targets/twopc/core/wire.h"

namespace faultline::targets::twopc::server {

// Ready/Durable: CoordinatorReady/CoordinatorDurable or ParticipantReady/ParticipantDurable.
template <class Ready, class Durable>
class WalStorage final : public common::Storage<Ready> {
 public:
  // Opens (creating) the data dir and replays it. Error: the WAL is corrupt (names the
  // file, or the record that does not decode).
  static base::Result<std::unique_ptr<WalStorage>> open(const std::filesystem::path& data_dir) {
    const std::filesystem::path dir = data_dir / "wal";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return base::Error{"cannot create " + dir.string() + ": " + ec.message()};
    Durable disk;
    uint64_t records = 0;
    base::Status replayed = base::ok_status();
    auto wal = common::Wal::open(dir, [&](std::string_view record) {
      if (!replayed) return;
      replayed = replay_record(disk, record);
      if (replayed) ++records;
    });
    if (!wal) return wal.error();
    if (!replayed)
      return base::Error{dir.string() + ": record " + std::to_string(records + 1) + ": " + replayed.error().message};
    return std::unique_ptr<WalStorage>(new WalStorage(std::move(*wal), std::move(disk)));
  }

  void save(const Ready& ready) override {
    for (const auto& record : ready.records) wal_->append(encode_record(record));
  }
  // Makes everything saved durable (fdatasync). A failure is fatal (FL_PANIC): the node
  // cannot know what is durable, and a restart replays the WAL.
  void sync() override {
    if (wal_->unsynced_bytes() == 0) return;
    if (auto status = wal_->sync(); !status) FL_PANIC("WAL sync failed: " << status.error().message);
    ++syncs_;
  }

  // The image replayed at open(), for building the node; moved out (call once).
  Durable take_recovered() { return std::move(recovered_); }
  const common::WalRecovery& recovery() const { return wal_->recovery(); }
  uint64_t syncs() const { return syncs_; }

 private:
  WalStorage(std::unique_ptr<common::Wal> wal, Durable recovered)
      : wal_(std::move(wal)), recovered_(std::move(recovered)) {}

  std::unique_ptr<common::Wal> wal_;
  Durable recovered_;
  uint64_t syncs_ = 0;
};

using CoordinatorWal = WalStorage<CoordinatorReady, CoordinatorDurable>;
using ParticipantWal = WalStorage<ParticipantReady, ParticipantDurable>;

}  // namespace faultline::targets::twopc::server
