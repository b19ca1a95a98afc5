#include "targets/zab/server/wal_storage.h"

#include <system_error>

#include "base/log.h"
#include "targets/zab/core/wire.h"

namespace faultline::targets::zab::server {

namespace fs = std::filesystem;

fs::path WalStorage::wal_dir(const fs::path& data_dir) { return data_dir / "wal"; }

base::Result<std::unique_ptr<WalStorage>> WalStorage::open(const fs::path& data_dir) {
  std::error_code ec;
  fs::create_directories(wal_dir(data_dir), ec);
  if (ec) return base::Error{"cannot create " + wal_dir(data_dir).string() + ": " + ec.message()};
  Durable disk;
  uint64_t records = 0;
  base::Status replayed = base::ok_status();
  auto wal = common::Wal::open(wal_dir(data_dir), [&](std::string_view record) {
    if (!replayed) return;
    replayed = replay_record(disk, record);
    if (replayed) ++records;
  });
  if (!wal) return wal.error();
  if (!replayed)
    return base::Error{wal_dir(data_dir).string() + ": record " + std::to_string(records + 1) + ": " +
                       replayed.error().message};
  return std::unique_ptr<WalStorage>(new WalStorage(std::move(*wal), std::move(disk)));
}

void WalStorage::save(const Ready& ready) {
  if (ready.hard_state) wal_->append(encode_hard_state_record(*ready.hard_state));
  if (ready.truncate_after) wal_->append(encode_truncate_record(*ready.truncate_after));
  if (!ready.txns.empty()) wal_->append(encode_txns_record(ready.txns));
}

void WalStorage::sync() {
  if (wal_->unsynced_bytes() == 0) return;
  auto status = wal_->sync();
  if (!status) FL_PANIC("WAL sync failed: " << status.error().message);
  ++syncs_;
}

}  // namespace faultline::targets::zab::server
