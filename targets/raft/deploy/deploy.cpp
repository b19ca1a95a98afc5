#include "targets/raft/deploy/deploy.h"

namespace faultline::targets::raft::deploy {

std::string RaftDeploy::peers_flag(const std::vector<DeployNode>& nodes, uint16_t peer_port) {
  std::string out;
  for (const auto& node : nodes) {
    if (!out.empty()) out += ",";
    out += node.name + "=" + node.host + ":" + std::to_string(peer_port);
  }
  return out;
}

std::vector<std::string> RaftDeploy::start_argv(const std::vector<DeployNode>& nodes, size_t index,
                                                const DeployOptions& options) const {
  std::vector<std::string> argv = {
      binary_path(),
      "--id", nodes.at(index).name,
      "--peers", peers_flag(nodes, options.peer_port),
      "--client-port", std::to_string(options.client_port),
      "--data-dir", data_dir(),
      "--pidfile", pidfile(),
      "--read-mode", options.read_mode,
      "--tick-ms", std::to_string(options.tick_ms),
      "--election-ticks", std::to_string(options.election_ticks),
      "--snapshot-every", std::to_string(options.snapshot_every),
  };
  for (Bug bug : options.bugs) {  // std::set: a fixed order, so the argv is reproducible
    argv.push_back("--bug");
    argv.emplace_back(to_string(bug));
  }
  return argv;
}

std::vector<std::pair<std::string, std::string>> RaftDeploy::client_addresses(
    const std::vector<DeployNode>& nodes, const DeployOptions& options) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& node : nodes)
    out.emplace_back(node.name, node.host + ":" + std::to_string(options.client_port));
  return out;
}

std::vector<std::string> RaftDeploy::wipe_argv() const {
  return {"rm", "-rf", "--", data_dir(), log_file(), pidfile()};
}

}  // namespace faultline::targets::raft::deploy
