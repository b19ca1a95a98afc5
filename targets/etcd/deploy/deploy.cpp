#include "targets/etcd/deploy/deploy.h"

namespace faultline::targets::etcd::deploy {

namespace {
std::string url(const std::string& host, uint16_t port) { return "http://" + host + ":" + std::to_string(port); }
}  // namespace

std::string EtcdDeploy::initial_cluster(const std::vector<DeployNode>& nodes, uint16_t peer_port) {
  std::string out;
  for (const auto& node : nodes) out += (out.empty() ? "" : ",") + node.name + "=" + url(node.host, peer_port);
  return out;
}

std::vector<std::string> EtcdDeploy::start_argv(const std::vector<DeployNode>& nodes, size_t index,
                                                const DeployOptions& options) const {
  const DeployNode& node = nodes.at(index);
  const std::string peer = url(node.host, options.peer_port);
  const std::string client = url(node.host, options.client_port);
  return {
      binary,
      "--name", node.name,
      "--data-dir", data_dir(),
      "--listen-peer-urls", peer,
      "--initial-advertise-peer-urls", peer,
      "--listen-client-urls", client,
      "--advertise-client-urls", client,
      "--initial-cluster", initial_cluster(nodes, options.peer_port),
      "--initial-cluster-state", "new",
      "--initial-cluster-token", options.cluster_token,
      "--logger", "zap",
      "--log-outputs", "stderr",
  };
}

std::vector<std::pair<std::string, std::string>> EtcdDeploy::client_urls(const std::vector<DeployNode>& nodes,
                                                                          const DeployOptions& options) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& node : nodes) out.emplace_back(node.name, url(node.host, options.client_port));
  return out;
}

std::vector<std::string> EtcdDeploy::install_argv() const {
  // $1: the binary, $2: the package. policy-rc.d exit 101 = "no service starts" for
  // invoke-rc.d and deb-systemd-invoke alike; one the node has is left as it is.
  const std::string script =
      "[ -x \"$1\" ] && exit 0; "
      "export DEBIAN_FRONTEND=noninteractive; p=/usr/sbin/policy-rc.d; made=0; "
      "if [ ! -e $p ]; then printf '#!/bin/sh\\nexit 101\\n' >$p && chmod 755 $p && made=1; fi; "
      "{ apt-get install -y -qq \"$2\" || { apt-get update -qq && apt-get install -y -qq \"$2\"; }; } >/dev/null; "
      "[ $made = 1 ] && rm -f $p; "
      "if [ -d /run/systemd/system ]; then systemctl disable etcd.service >/dev/null 2>&1; "
      "else update-rc.d etcd disable >/dev/null 2>&1; fi; "
      "[ -x \"$1\" ] || { echo \"$1 is missing and apt-get install $2 failed\" >&2; exit 1; }";
  return {"sh", "-c", script, "etcd-install", binary, package};
}

std::vector<std::string> EtcdDeploy::wipe_argv() const {
  return {"rm", "-rf", "--", data_dir(), log_file(), pidfile()};
}

}  // namespace faultline::targets::etcd::deploy
