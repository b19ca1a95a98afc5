#include "harness/runner/twopc_target.h"

#include <map>

#include "harness/runner/server_target.h"
#include "targets/twopc/deploy/deploy.h"
#include "workloads/twopc_client.h"

namespace faultline::harness::runner {

namespace {

namespace deploy = targets::twopc::deploy;

std::unique_ptr<Target> make_twopc_target(control::Pool& pool, std::vector<control::NodeSpec> nodes,
                                          const RunConfig& config) {
  const deploy::TwoPcDeploy paths;
  deploy::DeployOptions options;
  options.read_mode = config.read_mode;
  options.accounts = config.keys;
  options.initial_balance = workloads::kBankInitialBalance;
  for (const auto& name : config.bugs)
    if (auto bug = targets::twopc::parse_bug(name)) options.bugs.insert(*bug);
  std::vector<deploy::DeployNode> deploy_nodes;
  for (const auto& node : nodes) deploy_nodes.push_back({node.name, node.host});
  std::map<std::string, std::string> addresses;
  for (auto& [name, address] : deploy::TwoPcDeploy::client_addresses(deploy_nodes, options))
    addresses[name] = address;
  const std::string coordinator = deploy_nodes.empty() ? std::string() : deploy::TwoPcDeploy::coordinator(deploy_nodes);

  ServerRecipe recipe;
  recipe.name = "twopc";
  recipe.remote_dir = paths.remote_dir;
  recipe.process_match = paths.binary_name;
  recipe.local_binary = server_binary(config, paths.binary_name);
  recipe.remote_binary = paths.binary_path();
  recipe.log_file = paths.log_file();
  recipe.pidfile = paths.pidfile();
  recipe.wipe_argv = paths.wipe_argv();
  recipe.start_argv = [=](size_t index) { return paths.start_argv(deploy_nodes, index, options); };
  recipe.make_client = [=](const std::string& node, uint64_t client_id, std::chrono::milliseconds timeout) {
    return workloads::make_twopc_client(addresses, coordinator, node, client_id, timeout);
  };
  // Ready when a read-all commits: the coordinator and every participant answer.
  recipe.ready_op.f = "read";
  recipe.ready_op.kind = workloads::KeyKind::Bank;
  recipe.leader = [coordinator]() -> std::optional<std::string> {
    if (coordinator.empty()) return std::nullopt;
    return coordinator;
  };
  if (!deploy_nodes.empty()) recipe.shard_nodes = deploy::TwoPcDeploy::participants(deploy_nodes);
  return std::make_unique<ServerTarget>(pool, std::move(nodes), std::move(recipe));
}

}  // namespace

TargetKind twopc_target_kind() {
  TargetKind kind;
  kind.name = "twopc";
  kind.read_modes = {deploy::DeployOptions{}.read_mode};
  for (const auto& info : targets::twopc::all_bugs()) kind.bugs.emplace_back(info.name);
  kind.workloads = {"bank"};
  kind.log_rules.patterns = our_server_log_patterns();
  kind.binary = deploy::TwoPcDeploy{}.binary_name;
  kind.make = make_twopc_target;
  return kind;
}

}  // namespace faultline::harness::runner
