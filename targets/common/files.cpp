// Whole-file read, atomic replace, directory fsync (files.h).

#include "targets/common/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace faultline::targets::common {
namespace {

base::Error file_error(const std::filesystem::path& path, const char* what, int err) {
  return base::Error{path.string() + ": " + what + ": " + std::strerror(err)};
}

int open_retry(const char* path, int flags, mode_t mode = 0) {
  int fd = -1;
  do {
    fd = ::open(path, flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

// fsync, retried on EINTR; then close. Returns 0 or the errno of the failed fsync.
int fsync_and_close(int fd) {
  int rc = 0;
  do {
    rc = ::fsync(fd);
  } while (rc != 0 && errno == EINTR);
  const int err = rc != 0 ? errno : 0;
  ::close(fd);
  return err;
}

}  // namespace

base::Status fsync_dir(const std::filesystem::path& dir) {
  const int fd = open_retry(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return file_error(dir, "cannot open directory", errno);
  if (const int err = fsync_and_close(fd); err != 0) {
    return file_error(dir, "fsync of directory failed", err);
  }
  return base::ok_status();
}

base::Status atomic_write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  const int fd = open_retry(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return file_error(tmp, "cannot create", errno);
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return file_error(tmp, "write failed", err);
    }
    written += static_cast<size_t>(n);
  }
  if (const int err = fsync_and_close(fd); err != 0) return file_error(tmp, "fsync failed", err);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return file_error(path, "rename failed", errno);
  const auto parent = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  return fsync_dir(parent);
}

base::Result<std::string> read_file(const std::filesystem::path& path) {
  const int fd = open_retry(path.c_str(), O_RDONLY);
  if (fd < 0) return file_error(path, "cannot open", errno);
  std::string out;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return file_error(path, "read failed", err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace faultline::targets::common
