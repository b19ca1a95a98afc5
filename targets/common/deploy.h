#pragma once
// ServerDeploy: how the harness installs, starts, finds and wipes one of faultline's own
// target servers (faultline-raft, faultline-zab) on a node — paths and argv vectors
// only, no I/O and no shell strings (the harness quotes argv for SSH and runs it). A
// target named T lives in /opt/faultline/T: binary faultline-T, data/, T.log, T.pid.
// The start argv runs the server in the foreground with the flags every server takes
// (server_main.h): the harness backgrounds it with stdout/stderr redirected to
// log_file(); the server writes pidfile() itself and removes it on a clean exit, so
// stop = kill the pid it holds. Each target's deploy (RaftDeploy, ZabDeploy) is this
// with its name, its default ports and read mode, and its own flags. Plain data;
// thread-safe.

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace faultline::targets::common {

struct DeployNode {
  std::string name;  // "n1"
  std::string host;  // the address peers and clients use
};

// The common server flags as the harness sets them; `Bug` is the target's enum, named
// on the command line by its to_string (found by argument-dependent lookup).
template <class Bug>
struct DeployOptions {
  uint16_t peer_port = 0;
  uint16_t client_port = 0;
  std::string read_mode;  // one of the target's --read-mode values
  std::set<Bug> bugs;
  int tick_ms = 10;
  int election_ticks = 10;
};

struct ServerDeploy {
  // `target`: "raft" -> faultline-raft in /opt/faultline/raft.
  explicit ServerDeploy(std::string target);

  std::string target;
  std::string binary_name;
  std::string remote_dir;

  std::string binary_path() const { return remote_dir + "/" + binary_name; }
  std::string data_dir() const { return remote_dir + "/data"; }
  std::string log_file() const { return remote_dir + "/" + target + ".log"; }
  std::string pidfile() const { return remote_dir + "/" + target + ".pid"; }

  // "n1=10.0.0.1:7100,n2=..." for --peers.
  static std::string peers_flag(const std::vector<DeployNode>& nodes, uint16_t peer_port);
  // name -> "host:port" of every node's client port, for KvClient.
  static std::vector<std::pair<std::string, std::string>> client_addresses(
      const std::vector<DeployNode>& nodes, uint16_t client_port);
  template <class Bug>
  static std::vector<std::pair<std::string, std::string>> client_addresses(
      const std::vector<DeployNode>& nodes, const DeployOptions<Bug>& options) {
    return client_addresses(nodes, options.client_port);
  }

  // argv that starts node `index` of `nodes`: the binary, its identity and paths, the
  // common flags of `options`, then `target_flags`, then one --bug per planted bug (in
  // the enum's order, so the argv is reproducible). Precondition: index < nodes.size().
  template <class Bug>
  std::vector<std::string> start_argv(const std::vector<DeployNode>& nodes, size_t index,
                                      const DeployOptions<Bug>& options,
                                      const std::vector<std::string>& target_flags = {}) const {
    std::vector<std::string> argv = base_argv(nodes, index, options.peer_port, options.client_port);
    argv.insert(argv.end(), {"--read-mode", options.read_mode, "--tick-ms", std::to_string(options.tick_ms),
                             "--election-ticks", std::to_string(options.election_ticks)});
    argv.insert(argv.end(), target_flags.begin(), target_flags.end());
    for (Bug bug : options.bugs) {
      argv.emplace_back("--bug");
      argv.emplace_back(to_string(bug));
    }
    return argv;
  }

  // argv that deletes the node's data (WAL, snapshots), its log and pidfile; the binary
  // stays. Run only when the node is stopped.
  std::vector<std::string> wipe_argv() const;

 private:
  // The binary, --id, --peers, --client-port, --data-dir, --pidfile.
  std::vector<std::string> base_argv(const std::vector<DeployNode>& nodes, size_t index, uint16_t peer_port,
                                     uint16_t client_port) const;
};

}  // namespace faultline::targets::common
