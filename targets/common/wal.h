#pragma once
// Wal: the write-ahead log of opaque records, the durable part of every target (Raft
// entries, ZAB proposals, 2PC decisions). The I/O shell appends a Ready's records, calls
// sync() once for the batch (group commit), and only then sends (STYLE.md §2). Records
// live in segment files wal-<seq, 16 digits>.log in one directory; each record is
// u32 LE length, u32 LE CRC-32C (of the length bytes and the payload), payload.
// Not thread-safe: one owner, the shell's loop thread.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace faultline::targets::common {

inline constexpr size_t kWalRecordHeaderBytes = 8;

struct WalOptions {
  // sync() starts a new segment once the current one reaches this size; 0: only
  // rotate() does.
  uint64_t segment_bytes = uint64_t{64} << 20;
};

// What open() found.
struct WalRecovery {
  uint64_t records = 0;          // replayed
  uint64_t segments = 0;         // segment files read
  uint64_t truncated_bytes = 0;  // cut off the end of the last segment
  std::string truncated_reason;  // "torn record at byte 120 of wal-...log", or empty
};

// "120 WAL records in 2 segments", and " (torn tail: <reason>)" when the end of the
// last segment was cut: a server's recovery log line says it.
std::string describe(const WalRecovery& recovery);

class Wal {
 public:
  using ReplayFn = std::function<void(std::string_view record)>;

  // Opens (creating if needed) the log in `dir` and passes every record of every
  // segment to `replay`, oldest first, before returning. A torn or corrupt record at the
  // end of the last segment is what a crash mid-write leaves: the segment is truncated
  // there (and fsync'd), and recovery() says how many bytes went. A bad record in any
  // earlier segment, or a gap in the segment numbers, is lost data: an Error naming the
  // file and offset, and nothing is truncated.
  static base::Result<std::unique_ptr<Wal>> open(const std::filesystem::path& dir,
                                                 const ReplayFn& replay,
                                                 WalOptions options = {});
  // Closes the files without syncing: unsynced appends are lost, as in a crash.
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Buffers one record in memory. Precondition: record.size() < 4 GiB.
  void append(std::string_view record);
  // Writes the buffer and fdatasyncs it; on success every appended record is durable.
  // A failure is sticky (after a failed fsync the kernel may have dropped the dirty
  // pages, so nothing can be known durable): every later call fails; restart and replay.
  base::Status sync();
  // Syncs, then continues in a new segment (current_segment() + 1).
  base::Status rotate();
  // Deletes the segments numbered below `seq`, never the current one, and fsyncs the
  // directory. Called after a snapshot covers everything in them.
  base::Status remove_segments_before(uint64_t seq);

  uint64_t current_segment() const { return current_seq_; }
  // The sequence numbers of the segment files, oldest first.
  const std::vector<uint64_t>& segments() const { return segments_; }
  size_t unsynced_bytes() const { return buffer_.size(); }
  const WalRecovery& recovery() const { return recovery_; }
  const std::filesystem::path& dir() const { return dir_; }

  // "wal-0000000000000007.log"
  static std::string segment_name(uint64_t seq);

 private:
  Wal(std::filesystem::path dir, WalOptions options);
  base::Status open_segment(uint64_t seq, bool create);
  base::Status fail(base::Error error);

  std::filesystem::path dir_;
  WalOptions options_;
  int fd_ = -1;
  uint64_t current_seq_ = 0;
  uint64_t current_size_ = 0;  // bytes of the current segment on disk
  std::vector<uint64_t> segments_;
  std::string buffer_;
  std::string failed_;
  WalRecovery recovery_;
};

}  // namespace faultline::targets::common
