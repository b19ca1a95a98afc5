#pragma once
// The local cluster (DESIGN.md "Local cluster"): `up` makes N nodes, each a network
// namespace on a bridge with its own UTS, mount and PID namespaces, private /run, /tmp, /root
// and /opt/faultline, and its own sshd; `down` removes every trace. Everything is
// recorded in <state>/cluster.json before (or as) it is created, so `down` also
// cleans up after a crashed `up`. Processes are only ever killed by recorded pid,
// after checking that the pid is still the process we started (its start time).
//
// Not thread-safe, and not safe to run two of up/down on the same state directory at
// once. Clusters with different state directories are independent. up/down need root.

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "base/result.h"
#include "harness/cluster/names.h"

namespace faultline::harness::cluster {

inline constexpr const char* kDefaultStateDir = "/var/lib/faultline/cluster";

// What cluster.json records. pids are 0 until known; *_start is the process start
// time (field 22 of /proc/<pid>/stat) that guards against pid reuse.
struct NodeRecord {
  std::string name;
  std::string ip;
  std::string netns;
  std::string veth;
  int launcher_pid = 0;  // `ip netns exec ... unshare --fork` (host pid)
  long long launcher_start = 0;
  int init_pid = 0;      // the PID namespace's init, which execs sshd (host pid)
  long long init_start = 0;
};

struct ClusterState {
  std::string id;
  std::string subnet;  // "10.77.0.0/24"
  std::string bridge;
  std::string bridge_ip;
  std::vector<std::string> created_host_dirs;    // made by up, removed (if empty) by down
  std::vector<std::string> created_parent_dirs;  // the state dir's, likewise
  std::vector<NodeRecord> nodes;
};

struct UpOptions {
  int nodes = 5;
  std::string subnet = "10.77.0.0/24";
  std::filesystem::path state_dir = kDefaultStateDir;
  std::chrono::milliseconds ready_timeout{5000};
};

struct NodeStatus {
  std::string name;
  std::string ip;
  bool netns = false;    // /run/netns/<netns> exists
  bool process = false;  // the recorded init pid is alive, ours, and is sshd
  bool tcp = false;      // connect() to <ip>:22 worked within 1 s
  bool healthy() const { return netns && process && tcp; }
};

// The absolute, normalised form of `state_dir`.
std::filesystem::path absolute_state_dir(const std::filesystem::path& state_dir);

// Creates the cluster, or does nothing if the state says an identical cluster is up
// and healthy; a partial or different cluster is removed first. On failure everything
// created is removed and the error names the step or node. Progress goes to `log`.
base::Status up(const UpOptions& options, std::ostream& log);

// Removes everything the state (and the cluster id's names) says exists: processes,
// network namespaces, veths, the bridge, and the state directory's files. Harmless
// when nothing exists.
base::Status down(const std::filesystem::path& state_dir, std::ostream& log);

// The health of each recorded node; error if there is no cluster.json.
base::Result<std::vector<NodeStatus>> node_status(const std::filesystem::path& state_dir);

// Reads <state>/cluster.json.
base::Result<ClusterState> read_state(const std::filesystem::path& state_dir);

// The OpenSSH client argv that runs `command` (each word shell-quoted) on `node`.
base::Result<std::vector<std::string>> ssh_argv(const std::filesystem::path& state_dir,
                                                const std::string& node,
                                                const std::vector<std::string>& command);

// True if a TCP connect() to ip:port completes within `timeout`.
bool tcp_connects(const std::string& ip, int port, std::chrono::milliseconds timeout);

// True if /proc/<pid> is a live (not zombie) process started at `start` (0: any).
bool process_alive(int pid, long long start = 0);

}  // namespace faultline::harness::cluster
