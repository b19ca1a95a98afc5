#include "harness/runner/target.h"

#include "harness/runner/etcd_target.h"
#include "harness/runner/raft_target.h"
#include "harness/runner/twopc_target.h"

namespace faultline::harness::runner {

namespace fs = std::filesystem;

fs::path server_binary(const RunConfig& config, const std::string& name) {
  if (!config.target_binary.empty()) return config.target_binary;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const fs::path beside = ec ? fs::path(name) : self.parent_path() / name;
  if (fs::exists(beside)) return beside;
  // In the build tree: build/harness/faultline and build/targets/<t>/<name>.
  if (!ec) {
    for (const auto& entry : fs::directory_iterator(self.parent_path().parent_path() / "targets", ec)) {
      const fs::path candidate = entry.path() / name;
      if (fs::exists(candidate)) return candidate;
    }
  }
  return beside;
}

const std::vector<TargetKind>& target_kinds() {
  static const std::vector<TargetKind> kinds = {raft_target_kind(), zab_target_kind(), etcd_target_kind(), twopc_target_kind()};
  return kinds;
}

const TargetKind* find_target_kind(const std::string& name) {
  for (const auto& kind : target_kinds())
    if (kind.name == name) return &kind;
  return nullptr;
}

}  // namespace faultline::harness::runner
