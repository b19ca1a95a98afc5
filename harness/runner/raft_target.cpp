#include "harness/runner/raft_target.h"

#include <atomic>

#include "harness/runner/server_target.h"
#include "targets/common/kv_client.h"
#include "targets/raft/deploy/deploy.h"
#include "targets/zab/deploy/deploy.h"
#include "workloads/raft_client.h"

namespace faultline::harness::runner {

namespace {

// The recipe of one of our key-value servers. `Deploy` and `Options` are the target's
// deploy recipe and options (targets/<t>/deploy); `parse_bug` its --bug parser.
template <class Deploy, class Options, class ParseBug>
std::unique_ptr<Target> make_kv_target(control::Pool& pool, std::vector<control::NodeSpec> nodes,
                                       const RunConfig& config, ParseBug parse_bug) {
  const Deploy paths;
  Options options;
  options.read_mode = config.read_mode;
  if (config.election_ticks > 0) options.election_ticks = config.election_ticks;
  if constexpr (requires { options.max_entries_per_message; })
    options.max_entries_per_message = static_cast<uint64_t>(config.max_entries_per_message);
  for (const auto& name : config.bugs)
    if (auto bug = parse_bug(name)) options.bugs.insert(*bug);
  std::vector<targets::common::DeployNode> deploy_nodes;
  for (const auto& node : nodes) deploy_nodes.push_back({node.name, node.host});
  std::map<std::string, std::string> addresses;
  for (auto& [name, address] : Deploy::client_addresses(deploy_nodes, options)) addresses[name] = address;

  ServerRecipe recipe;
  recipe.name = paths.target;
  recipe.remote_dir = paths.remote_dir;
  recipe.process_match = paths.binary_name;
  recipe.local_binary = server_binary(config, paths.binary_name);
  recipe.remote_binary = paths.binary_path();
  recipe.log_file = paths.log_file();
  recipe.pidfile = paths.pidfile();
  recipe.wipe_argv = paths.wipe_argv();
  recipe.start_argv = [=](size_t index) { return paths.start_argv(deploy_nodes, index, options); };
  recipe.make_client = [=](const std::string& node, uint64_t client_id, std::chrono::milliseconds timeout) {
    return workloads::make_raft_client(addresses, node, client_id, timeout);
  };
  // Ready when a read goes through (raft: a leader is elected and answers; zab: the
  // node is following an established leader).
  recipe.ready_op.f = "read";
  recipe.ready_op.key = history::Value("faultline-ready");
  recipe.leader = [addresses]() -> std::optional<std::string> {
    // A fresh client id per question: the servers answer a repeated (client id, seq)
    // from their de-duplication table.
    static std::atomic<uint64_t> next_id{2'000'000'000};
    targets::common::KvClient client(addresses, next_id++, std::chrono::milliseconds(500));
    targets::common::Request put;
    put.kind = targets::common::OpKind::Put;
    put.key = "faultline-leader";
    put.value = "?";
    const auto outcome = client.call(put);
    if (outcome.type != targets::common::OutcomeType::Ok || outcome.node.empty()) return std::nullopt;
    return outcome.node;
  };
  return std::make_unique<ServerTarget>(pool, std::move(nodes), std::move(recipe));
}

template <class Table>
std::vector<std::string> bug_names(const Table& table) {
  std::vector<std::string> names;
  for (const auto& info : table) names.emplace_back(info.name);
  return names;
}

}  // namespace

TargetKind raft_target_kind() {
  TargetKind kind;
  kind.name = "raft";
  kind.read_modes = {"read-index", "log", "lease"};
  kind.bugs = bug_names(targets::raft::all_bugs());
  kind.election_ticks = true;
  kind.max_entries_per_message = true;
  kind.log_rules.patterns = our_server_log_patterns();
  // RaftServer logs "role leader term T" when it wins term T, "vote term T for C" once
  // its vote in term T is on disk and sent, and "applied index I hash H" at every
  // hundredth index it applies (server.cpp).
  kind.log_rules.leader_marker = "role leader term ";
  kind.log_rules.vote_marker = "vote term ";
  kind.log_rules.applied_marker = "applied index ";
  kind.binary = targets::raft::deploy::RaftDeploy{}.binary_name;
  kind.make = [](control::Pool& pool, std::vector<control::NodeSpec> nodes, const RunConfig& config) {
    return make_kv_target<targets::raft::deploy::RaftDeploy, targets::raft::deploy::DeployOptions>(
        pool, std::move(nodes), config, [](std::string_view name) { return targets::raft::parse_bug(name); });
  };
  return kind;
}

TargetKind zab_target_kind() {
  TargetKind kind;
  kind.name = "zab";
  kind.read_modes = {"local", "sync"};  // ZooKeeper's default first
  kind.bugs = bug_names(targets::zab::all_bugs());
  kind.election_ticks = true;
  kind.log_rules.patterns = our_server_log_patterns();
  // One established leader per epoch (Zab's discovery makes a quorum accept the epoch).
  kind.log_rules.leader_marker = "established leader of epoch ";
  kind.binary = targets::zab::deploy::ZabDeploy{}.binary_name;
  kind.make = [](control::Pool& pool, std::vector<control::NodeSpec> nodes, const RunConfig& config) {
    return make_kv_target<targets::zab::deploy::ZabDeploy, targets::zab::deploy::DeployOptions>(
        pool, std::move(nodes), config, [](std::string_view name) { return targets::zab::parse_bug(name); });
  };
  return kind;
}

}  // namespace faultline::harness::runner
