// JsonlWriter: appends ops to history.jsonl with batched write+fsync (history/writer.h).

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "history/writer.h"

namespace faultline::history {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

base::Result<std::unique_ptr<JsonlWriter>> JsonlWriter::open(const std::filesystem::path& path,
                                                             WriterOptions options) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return base::Error{path.string() + ": cannot open: " + errno_text(errno)};
  if (options.clock == nullptr) options.clock = &base::real_clock();
  // The constructor is private, so std::make_unique cannot call it.
  return std::unique_ptr<JsonlWriter>(new JsonlWriter(fd, path, options));
}

JsonlWriter::JsonlWriter(int fd, std::filesystem::path path, WriterOptions options)
    : fd_(fd), path_(std::move(path)), options_(options),
      last_sync_ns_(options_.clock->now_ns()) {}

JsonlWriter::~JsonlWriter() {
  if (auto status = sync(); !status.ok()) FL_LOG(Warn, status.error().message);
  if (::close(fd_) != 0) {
    FL_LOG(Warn, path_.string() << ": close failed: " << errno_text(errno));
  }
}

base::Status JsonlWriter::append(const Op& op) {
  // to_text: invalid UTF-8 in a value (a client echoing raw bytes, an EDN import)
  // becomes U+FFFD rather than an exception; the history must keep being written.
  buffer_ += to_text(to_json(op));
  buffer_ += '\n';
  ++buffered_ops_;
  if (buffered_ops_ >= options_.batch_ops ||
      options_.clock->now_ns() - last_sync_ns_ >= options_.batch_interval_ns) {
    return sync();
  }
  return base::ok_status();
}

base::Status JsonlWriter::sync() {
  // Whatever reached the file is dropped from the buffer even if a later write fails, so
  // a retry never writes a line twice.
  size_t written = 0;
  while (written < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      buffer_.erase(0, written);
      return base::Error{path_.string() + ": write failed: " + errno_text(err)};
    }
    written += static_cast<size_t>(n);
  }
  buffer_.clear();
  // buffered_ops_ counts ops not yet known durable: a failed fsync is retried next time.
  if (buffered_ops_ == 0) return base::ok_status();
  int rc = 0;
  do {
    rc = ::fsync(fd_);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return base::Error{path_.string() + ": fsync failed: " + errno_text(errno)};
  synced_ops_ += buffered_ops_;
  buffered_ops_ = 0;
  last_sync_ns_ = options_.clock->now_ns();
  return base::ok_status();
}

}  // namespace faultline::history
