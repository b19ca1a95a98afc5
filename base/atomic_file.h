#pragma once
// Writing a whole file so readers never see half of it: a temporary name of our own in
// the same directory (pid + counter, so concurrent writers never interleave), then a
// rename over the target. No fsync: for reports and indexes, which a crash may lose but
// must never leave half-written (a target's durable files use targets/common/files.h).
// Thread-safe.

#include <filesystem>
#include <string_view>

#include "base/result.h"

namespace faultline::base {

// Errors name the file (a full disk, a missing or read-only directory); the temporary
// file is removed then.
base::Status write_file_atomically(const std::filesystem::path& file, std::string_view content);

}  // namespace faultline::base
