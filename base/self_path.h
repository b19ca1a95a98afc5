#pragma once
// beside_executable: where the build puts the helpers that go with faultline
// (faultline-settime, faultline-delay, the target servers): in the running
// executable's own folder. Falls back to the bare name if /proc/self/exe cannot be
// read. Thread-safe.

#include <filesystem>
#include <string>
#include <system_error>

namespace faultline::base {

inline std::filesystem::path beside_executable(const std::string& name) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path(name) : self.parent_path() / name;
}

}  // namespace faultline::base
