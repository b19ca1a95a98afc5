#include "harness/runner/etcd_target.h"

#include <algorithm>
#include <map>

#include "harness/runner/server_target.h"
#include "nemesis/schedule.h"
#include "targets/etcd/client/client.h"
#include "targets/etcd/deploy/deploy.h"
#include "workloads/etcd_client.h"

namespace faultline::harness::runner {

namespace {

namespace deploy = targets::etcd::deploy;

constexpr const char* kSerializable = "serializable";

// A ServerTarget that refuses to start when the run asks for what etcd cannot be given
// (clock faults through libfaketime): a config error before any op, not a run whose
// clock faults silently did nothing.
class EtcdTarget final : public ServerTarget {
 public:
  EtcdTarget(control::Pool& pool, std::vector<control::NodeSpec> nodes, ServerRecipe recipe, std::string refusal)
      : ServerTarget(pool, std::move(nodes), std::move(recipe)), refusal_(std::move(refusal)) {}

  base::Status setup(int64_t timeout_ms) override {
    if (!refusal_.empty()) return base::Error{refusal_};
    return ServerTarget::setup(timeout_ms);
  }
  base::Status teardown(const std::filesystem::path& run_dir, bool leave_running) override {
    if (!refusal_.empty()) return base::ok_status();  // nothing was touched
    return ServerTarget::teardown(run_dir, leave_running);
  }

 private:
  std::string refusal_;
};

std::unique_ptr<Target> make_etcd_target(control::Pool& pool, std::vector<control::NodeSpec> nodes,
                                         const RunConfig& config) {
  const deploy::EtcdDeploy paths;
  const deploy::DeployOptions options;
  std::vector<deploy::DeployNode> deploy_nodes;
  for (const auto& node : nodes) deploy_nodes.push_back({node.name, node.host});
  std::map<std::string, std::string> urls;
  for (auto& [name, url] : deploy::EtcdDeploy::client_urls(deploy_nodes, options)) urls[name] = url;
  const bool serializable = config.read_mode == kSerializable;

  ServerRecipe recipe;
  recipe.name = "etcd";
  recipe.remote_dir = paths.remote_dir;
  recipe.process_match = "etcd";
  // Nothing to upload: the package's binary is on the node (installed if missing).
  recipe.install_argv = paths.install_argv();
  recipe.log_file = paths.log_file();
  recipe.pidfile = paths.pidfile();
  recipe.server_writes_pidfile = false;
  recipe.wipe_argv = paths.wipe_argv();
  recipe.start_argv = [=](size_t index) { return paths.start_argv(deploy_nodes, index, options); };
  recipe.make_client = [=](const std::string& node, uint64_t /*client_id*/, std::chrono::milliseconds timeout) {
    const auto it = urls.find(node);
    return workloads::make_etcd_client(it == urls.end() ? std::string() : it->second, timeout, serializable);
  };
  // Ready when a read goes through: etcd serves clients only once the member has joined
  // through a committed raft entry, so even a serializable read means a quorum formed.
  recipe.ready_op.f = "read";
  recipe.ready_op.key = history::Value("faultline-ready");
  recipe.leader = [urls]() { return targets::etcd::client::current_leader(urls, std::chrono::milliseconds(500)); };
  auto refusal = etcd_clock_refusal(config.nemesis, nodes);
  return std::make_unique<EtcdTarget>(pool, std::move(nodes), std::move(recipe), std::move(refusal));
}

}  // namespace

std::string etcd_clock_refusal(const std::string& nemesis, const std::vector<control::NodeSpec>& nodes) {
  const auto kinds = nemesis::parse_fault_kinds(nemesis);
  if (!kinds.ok() || std::find(kinds->begin(), kinds->end(), nemesis::FaultKind::Clock) == kinds->end()) return {};
  for (const auto& node : nodes) {
    if (node.clock == "faketime")
      return "--nemesis clock: clock faults do not reach etcd on " + node.name +
             ", whose clock backend is faketime (etcd is a Go binary and reads the time through "
             "the vDSO, not libc, so libfaketime's LD_PRELOAD never reaches it); drop clock from "
             "--nemesis, or run on machines whose nodes file says \"clock\": \"settime\"";
  }
  return {};
}

TargetKind etcd_target_kind() {
  TargetKind kind;
  kind.name = "etcd";
  // A Go runtime panic on stderr, and etcd's own panic/fatal log levels (zap JSON).
  kind.log_rules.patterns = {{"panic", "panic: "},
                       {"panic", "\"level\":\"panic\""},
                       {"fatal", "\"level\":\"fatal\""}};
  kind.read_modes = {"linearizable", kSerializable};
  kind.make = make_etcd_target;  // kind.binary stays empty: a packaged server
  return kind;
}

}  // namespace faultline::harness::runner
