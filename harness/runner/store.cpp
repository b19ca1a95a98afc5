#include "harness/runner/store.h"

#include <chrono>
#include <ctime>

namespace faultline::harness::runner {

namespace fs = std::filesystem;

namespace {

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// Replaces `link` with a symlink to `target` atomically (rename over it).
void point(const fs::path& link, const fs::path& target) {
  std::error_code ec;
  const fs::path tmp = link.string() + ".tmp";
  fs::remove(tmp, ec);
  fs::create_directory_symlink(target, tmp, ec);
  if (!ec) fs::rename(tmp, link, ec);
}

}  // namespace

base::Result<fs::path> create_run_dir(const fs::path& store, const std::string& test_name) {
  std::error_code ec;
  const fs::path test_dir = store / test_name;
  fs::create_directories(test_dir, ec);
  if (ec) return base::Error{test_dir.string() + ": " + ec.message()};
  const std::string stamp = utc_timestamp();
  // create_directory is the claim: it reports false when the name exists, so two runs
  // started in the same millisecond (parallel lanes of one store) never share a dir.
  fs::path dir = test_dir / stamp;
  for (int i = 1; !fs::create_directory(dir, ec); ++i) {
    if (ec) return base::Error{dir.string() + ": " + ec.message()};
    dir = test_dir / (stamp + "-" + std::to_string(i));
  }
  point(store / "latest", fs::path(test_name) / dir.filename());
  point(test_dir / "latest", dir.filename());
  return dir;
}

}  // namespace faultline::harness::runner
