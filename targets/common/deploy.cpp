#include "targets/common/deploy.h"

namespace faultline::targets::common {

ServerDeploy::ServerDeploy(std::string name)
    : target(std::move(name)), binary_name("faultline-" + target), remote_dir("/opt/faultline/" + target) {}

std::string ServerDeploy::peers_flag(const std::vector<DeployNode>& nodes, uint16_t peer_port) {
  std::string out;
  for (const auto& node : nodes) {
    if (!out.empty()) out += ",";
    out += node.name + "=" + node.host + ":" + std::to_string(peer_port);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ServerDeploy::client_addresses(
    const std::vector<DeployNode>& nodes, uint16_t client_port) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& node : nodes) out.emplace_back(node.name, node.host + ":" + std::to_string(client_port));
  return out;
}

std::vector<std::string> ServerDeploy::base_argv(const std::vector<DeployNode>& nodes, size_t index,
                                                 uint16_t peer_port, uint16_t client_port) const {
  return {binary_path(),
          "--id", nodes.at(index).name,
          "--peers", peers_flag(nodes, peer_port),
          "--client-port", std::to_string(client_port),
          "--data-dir", data_dir(),
          "--pidfile", pidfile()};
}

std::vector<std::string> ServerDeploy::wipe_argv() const {
  return {"rm", "-rf", "--", data_dir(), log_file(), pidfile()};
}

}  // namespace faultline::targets::common
