#pragma once
// EtcdDeploy: how the harness installs, starts, finds and wipes an etcd member on a
// node — paths and argv vectors only, no I/O (the harness quotes argv for SSH and runs
// it). The server is Debian's packaged etcd (etcd-server, 3.4): nothing is uploaded.
// Local nodes share the host's /usr/bin/etcd (scripts/setup.sh installs it); on real
// machines install_argv() installs the package when the binary is missing. The start
// argv runs member `index` in the foreground; the harness backgrounds it with its
// output in log_file() and writes pidfile() itself (etcd writes none), so stop = kill
// the pid it holds. Plain data; thread-safe.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace faultline::targets::etcd::deploy {

struct DeployNode {
  std::string name;  // "n1": the member's --name
  std::string host;  // the address peers and clients use
};

struct DeployOptions {
  uint16_t peer_port = 2380;
  uint16_t client_port = 2379;
  std::string cluster_token = "faultline";  // --initial-cluster-token
};

struct EtcdDeploy {
  std::string binary = "/usr/bin/etcd";  // Debian's etcd-server
  std::string package = "etcd-server";
  std::string remote_dir = "/opt/faultline/etcd";

  std::string data_dir() const { return remote_dir + "/data"; }
  std::string log_file() const { return remote_dir + "/etcd.log"; }
  std::string pidfile() const { return remote_dir + "/etcd.pid"; }

  // "n1=http://10.0.0.1:2380,n2=..." for --initial-cluster.
  static std::string initial_cluster(const std::vector<DeployNode>& nodes, uint16_t peer_port);
  // argv that starts member `index` of `nodes` as part of a new cluster of all of them.
  // A restart (the nemesis reruns the same line) finds its data dir and rejoins: etcd
  // ignores the --initial-* flags once a member has data. Precondition: index < size.
  std::vector<std::string> start_argv(const std::vector<DeployNode>& nodes, size_t index,
                                      const DeployOptions& options) const;
  // name -> "http://host:client_port" of every member, for the clients.
  static std::vector<std::pair<std::string, std::string>> client_urls(const std::vector<DeployNode>& nodes,
                                                                       const DeployOptions& options);
  // argv that installs `package` with apt-get, only where `binary` is missing, without
  // starting or enabling the package's own host-wide service (a temporary policy-rc.d
  // forbids the start unless the node has one already; the service is then disabled
  // at boot). Exits non-zero, saying so, when the binary is still missing.
  std::vector<std::string> install_argv() const;
  // argv that deletes the member's data dir, its log and pidfile. Run only when stopped.
  std::vector<std::string> wipe_argv() const;
};

}  // namespace faultline::targets::etcd::deploy
