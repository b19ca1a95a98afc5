// Segmented write-ahead log with group commit and torn-tail recovery (wal.h).

#include "targets/common/wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "targets/common/crc32c.h"
#include "targets/common/files.h"

namespace faultline::targets::common {
namespace {

namespace fs = std::filesystem;

uint32_t read_le32(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[3])) << 24;
}

void append_le32(std::string& out, uint32_t v) {
  const char bytes[4] = {static_cast<char>(v), static_cast<char>(v >> 8),
                         static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
  out.append(bytes, 4);
}

// "wal-<16 digits>.log" -> seq; anything else is not ours.
bool parse_segment_name(const std::string& name, uint64_t& seq) {
  if (name.size() != 24 || name.compare(0, 4, "wal-") != 0 || name.compare(20, 4, ".log") != 0) {
    return false;
  }
  uint64_t v = 0;
  for (size_t i = 4; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  seq = v;
  return true;
}

base::Error errno_error(const fs::path& path, const char* what, int err) {
  return base::Error{path.string() + ": " + what + ": " + std::strerror(err)};
}

// Walks the records of one segment's bytes. Returns the offset where the valid prefix
// ends (== data.size() when the segment is clean) and says why it stopped otherwise.
size_t scan_records(std::string_view data, const Wal::ReplayFn& replay, uint64_t& records,
                    std::string& why) {
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < kWalRecordHeaderBytes) {
      why = "torn record header";
      return pos;
    }
    const uint32_t len = read_le32(data.data() + pos);
    const uint32_t crc = read_le32(data.data() + pos + 4);
    if (data.size() - pos - kWalRecordHeaderBytes < len) {
      why = "torn record";
      return pos;
    }
    const std::string_view payload = data.substr(pos + kWalRecordHeaderBytes, len);
    if (crc32c(payload, crc32c(data.substr(pos, 4))) != crc) {
      why = "corrupt record (checksum mismatch)";
      return pos;
    }
    if (replay) replay(payload);
    ++records;
    pos += kWalRecordHeaderBytes + len;
  }
  return pos;
}

}  // namespace

std::string Wal::segment_name(uint64_t seq) {
  char name[32];
  std::snprintf(name, sizeof(name), "wal-%016llu.log", static_cast<unsigned long long>(seq));
  return name;
}

Wal::Wal(fs::path dir, WalOptions options) : dir_(std::move(dir)), options_(options) {}

Wal::~Wal() {
  if (fd_ >= 0) ::close(fd_);
}

base::Result<std::unique_ptr<Wal>> Wal::open(const fs::path& dir, const ReplayFn& replay,
                                             WalOptions options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return base::Error{dir.string() + ": cannot create directory: " + ec.message()};
  std::unique_ptr<Wal> wal(new Wal(dir, options));

  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    uint64_t seq = 0;
    if (entry.is_regular_file() && parse_segment_name(entry.path().filename().string(), seq)) {
      wal->segments_.push_back(seq);
    }
  }
  if (ec) return base::Error{dir.string() + ": cannot list: " + ec.message()};
  std::sort(wal->segments_.begin(), wal->segments_.end());
  for (size_t i = 1; i < wal->segments_.size(); ++i) {
    if (wal->segments_[i] != wal->segments_[i - 1] + 1) {
      return base::Error{(dir / segment_name(wal->segments_[i - 1] + 1)).string() +
                         ": segment missing (the log has a gap)"};
    }
  }

  WalRecovery& rec = wal->recovery_;
  for (size_t i = 0; i < wal->segments_.size(); ++i) {
    const fs::path path = dir / segment_name(wal->segments_[i]);
    auto data = read_file(path);
    if (!data.ok()) return data.error();
    std::string why;
    const size_t valid = scan_records(*data, replay, rec.records, why);
    ++rec.segments;
    if (valid == data->size()) continue;
    const bool last = i + 1 == wal->segments_.size();
    const std::string where = why + " at byte " + std::to_string(valid) + " of " + path.string();
    // Only the tail of the newest segment can be unsynced; earlier segments were synced
    // whole before rotate() created the next one, so damage there is lost data.
    if (!last) return base::Error{where + " (not the last segment: data lost)"};
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno_error(path, "cannot open to truncate", errno);
    const bool truncated = ::ftruncate(fd, static_cast<off_t>(valid)) == 0 && ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!truncated) return errno_error(path, "truncate failed", err);
    rec.truncated_bytes = data->size() - valid;
    rec.truncated_reason = where;
  }

  if (wal->segments_.empty()) {
    if (auto s = wal->open_segment(0, /*create=*/true); !s.ok()) return s.error();
  } else {
    if (auto s = wal->open_segment(wal->segments_.back(), /*create=*/false); !s.ok()) {
      return s.error();
    }
  }
  return wal;
}

base::Status Wal::open_segment(uint64_t seq, bool create) {
  const fs::path path = dir_ / segment_name(seq);
  const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno_error(path, create ? "cannot create" : "cannot open", errno);
  if (create) {
    // The new file's directory entry must be durable before records in it count.
    if (auto s = fsync_dir(dir_); !s.ok()) {
      ::close(fd);
      return s;
    }
    segments_.push_back(seq);
  }
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  current_seq_ = seq;
  current_size_ = size < 0 ? 0 : static_cast<uint64_t>(size);
  return base::ok_status();
}

base::Status Wal::fail(base::Error error) {
  failed_ = error.message;
  return error;
}

void Wal::append(std::string_view record) {
  const auto len = static_cast<uint32_t>(record.size());
  const size_t header_at = buffer_.size();
  append_le32(buffer_, len);
  append_le32(buffer_, crc32c(record, crc32c(std::string_view(buffer_).substr(header_at, 4))));
  buffer_.append(record);
}

base::Status Wal::sync() {
  if (!failed_.empty()) return base::Error{failed_};
  if (buffer_.empty()) return base::ok_status();
  const fs::path path = dir_ / segment_name(current_seq_);
  size_t written = 0;
  while (written < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno_error(path, "write failed", errno));
    }
    written += static_cast<size_t>(n);
  }
  int rc = 0;
  do {
    rc = ::fdatasync(fd_);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return fail(errno_error(path, "fdatasync failed", errno));
  current_size_ += buffer_.size();
  buffer_.clear();
  if (options_.segment_bytes > 0 && current_size_ >= options_.segment_bytes) return rotate();
  return base::ok_status();
}

base::Status Wal::rotate() {
  if (auto s = sync(); !s.ok()) return s;
  if (auto s = open_segment(current_seq_ + 1, /*create=*/true); !s.ok()) return fail(s.error());
  return base::ok_status();
}

base::Status Wal::remove_segments_before(uint64_t seq) {
  if (!failed_.empty()) return base::Error{failed_};
  bool removed = false;
  while (!segments_.empty() && segments_.front() < seq && segments_.front() != current_seq_) {
    const fs::path path = dir_ / segment_name(segments_.front());
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return errno_error(path, "cannot remove", errno);
    }
    segments_.erase(segments_.begin());
    removed = true;
  }
  if (removed) return fsync_dir(dir_);
  return base::ok_status();
}

std::string describe(const WalRecovery& recovery) {
  std::string out = std::to_string(recovery.records) + " WAL records in " +
                    std::to_string(recovery.segments) + " segments";
  if (recovery.truncated_bytes != 0) out += " (torn tail: " + recovery.truncated_reason + ")";
  return out;
}

}  // namespace faultline::targets::common
