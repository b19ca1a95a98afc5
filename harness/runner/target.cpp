#include "harness/runner/target.h"

#include "base/self_path.h"

#include "harness/runner/etcd_target.h"
#include "harness/runner/raft_target.h"
#include "harness/runner/twopc_target.h"

namespace faultline::harness::runner {

namespace fs = std::filesystem;

fs::path server_binary(const RunConfig& config, const std::string& name) {
  if (!config.target_binary.empty()) return config.target_binary;
  const fs::path beside = base::beside_executable(name);
  if (fs::exists(beside)) return beside;
  // In the build tree: build/harness/faultline and build/targets/<t>/<name>.
  if (beside.has_parent_path()) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(beside.parent_path().parent_path() / "targets", ec)) {
      const fs::path candidate = entry.path() / name;
      if (fs::exists(candidate)) return candidate;
    }
  }
  return beside;
}

const std::vector<checkers::logs::LogPattern>& our_server_log_patterns() {
  static const std::vector<checkers::logs::LogPattern> patterns = {
      {"panic", "PANIC "}, {"broken invariant", "invariant broken"}};
  return patterns;
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
