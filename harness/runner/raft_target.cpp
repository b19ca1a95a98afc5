#include "harness/runner/raft_target.h"

#include <atomic>

#include "harness/runner/server_target.h"
#include "targets/raft/client/client.h"
#include "targets/raft/deploy/deploy.h"
#include "workloads/raft_client.h"

namespace faultline::harness::runner {

namespace {

namespace deploy = targets::raft::deploy;

std::unique_ptr<Target> make_raft_target(control::Pool& pool, std::vector<control::NodeSpec> nodes,
                                         const RunConfig& config) {
  deploy::RaftDeploy recipe_paths;
  deploy::DeployOptions options;
  options.read_mode = config.read_mode;
  for (const auto& name : config.bugs)
    if (auto bug = targets::raft::parse_bug(name)) options.bugs.insert(*bug);
  std::vector<deploy::DeployNode> deploy_nodes;
  for (const auto& node : nodes) deploy_nodes.push_back({node.name, node.host});
  std::map<std::string, std::string> addresses;
  for (auto& [name, address] : deploy::RaftDeploy::client_addresses(deploy_nodes, options)) addresses[name] = address;

  ServerRecipe recipe;
  recipe.name = "raft";
  recipe.remote_dir = recipe_paths.remote_dir;
  recipe.process_match = recipe_paths.binary_name;
  recipe.local_binary = server_binary(config, recipe_paths.binary_name);
  recipe.remote_binary = recipe_paths.binary_path();
  recipe.log_file = recipe_paths.log_file();
  recipe.pidfile = recipe_paths.pidfile();
  recipe.wipe_argv = recipe_paths.wipe_argv();
  recipe.start_argv = [=](size_t index) { return recipe_paths.start_argv(deploy_nodes, index, options); };
  recipe.make_client = [=](const std::string& node, uint64_t client_id, std::chrono::milliseconds timeout) {
    return workloads::make_raft_client(addresses, node, client_id, timeout);
  };
  // Ready when a linearizable read goes through: a leader is elected and answers.
  recipe.ready_op.f = "read";
  recipe.ready_op.key = history::Value("faultline-ready");
  recipe.leader = [addresses]() -> std::optional<std::string> {
    // A fresh client id per question: in log-read mode a read is a log entry, and the
    // servers would answer a repeated (client id, seq) from their de-duplication table.
    static std::atomic<uint64_t> next_id{2'000'000'000};
    targets::raft::client::RaftClient client(addresses, next_id++, std::chrono::milliseconds(500));
    targets::raft::Request get;
    get.kind = targets::raft::OpKind::Get;
    get.key = "faultline-leader";
    const auto outcome = client.call(get);
    if (outcome.type != targets::raft::client::OutcomeType::Ok || outcome.node.empty()) return std::nullopt;
    return outcome.node;
  };
  return std::make_unique<ServerTarget>(pool, std::move(nodes), std::move(recipe));
}

}  // namespace

TargetKind raft_target_kind() {
  TargetKind kind;
  kind.name = "raft";
  kind.read_modes = {"read-index", "log", "lease"};
  for (const auto& info : targets::raft::all_bugs()) kind.bugs.emplace_back(info.name);
  kind.binary = deploy::RaftDeploy{}.binary_name;
  kind.make = make_raft_target;
  return kind;
}

}  // namespace faultline::harness::runner
