#pragma once
// Whole-file reads and crash-atomic whole-file writes, for snapshots and hard state
// (term, vote, epoch) that a target's I/O shell replaces as one unit, and fsync of a
// directory for anyone who creates or removes files that must survive a crash.
// Free functions without shared state: thread-safe for different paths.

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace faultline::targets::common {

// Replaces `path` with `bytes` so that after a crash the file is either entirely old or
// entirely new: writes `path`.tmp, fsyncs it, renames it over `path`, fsyncs the
// directory. Error names the path and errno text; `path` is then unchanged (a stale
// .tmp may be left, the next call overwrites it).
base::Status atomic_write_file(const std::filesystem::path& path, std::string_view bytes);

// The whole file. Error (with the errno text, e.g. "No such file or directory") if it
// cannot be opened or read; a caller that treats a missing file as first boot checks
// std::filesystem::exists first.
base::Result<std::string> read_file(const std::filesystem::path& path);

// fsyncs a directory, making creations, renames and removals in it durable.
base::Status fsync_dir(const std::filesystem::path& dir);

}  // namespace faultline::targets::common
