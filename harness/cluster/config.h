#pragma once
// Text the local cluster writes: each node's sshd_config, the shell setup that runs
// inside a node's namespaces before sshd, nodes.json for the harness, and known_hosts.
// Pure functions of their arguments; thread-safe.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/control/node.h"

namespace faultline::harness::cluster {

// Paths that must not hold whitespace, quotes or % (sshd expands %-tokens and splits
// on spaces in its config). Returns an empty string if `p` is fine, else the reason.
std::string unsafe_path_reason(const std::filesystem::path& p);

struct SshdConfig {
  std::string listen_address;      // "10.77.0.11"
  std::filesystem::path host_key;  // <state>/nK/ssh_host_ed25519_key
  std::filesystem::path authorized_keys;
  std::filesystem::path pid_file;
};
std::string render_sshd_config(const SshdConfig& c);

// What runs (under `sh -c`) as the first process of node `node_name` inside its fresh
// UTS, mount and PID namespaces: sets the hostname, gives the node private /run, /tmp
// and /opt/faultline (a bind of `opt_dir`), keeps `state_dir` visible even when it lies
// under /tmp, then execs sshd so that sshd is the namespace's init.
struct NodeSetup {
  std::string node_name;
  std::filesystem::path state_dir;
  std::filesystem::path opt_dir;
  std::filesystem::path sshd_config;
  std::filesystem::path sshd_log;
  std::filesystem::path sshd_binary = "/usr/sbin/sshd";
};
std::string render_node_setup(const NodeSetup& s);

// The harness's view of local nodes (written as nodes.json by control::write_nodes_file):
// root on port 22 with the cluster's key and known_hosts; clocks are skewed by faketime.
// Each entry of `nodes` is {name, address}.
std::vector<control::NodeSpec> local_node_specs(
    const std::vector<std::pair<std::string, std::string>>& nodes,
    const std::filesystem::path& key, const std::filesystem::path& known_hosts);

// A known_hosts line for `ip` from the content of a host's .pub file
// ("ssh-ed25519 AAAA... comment"): "<ip> ssh-ed25519 AAAA...".
std::string known_hosts_line(std::string_view ip, std::string_view pub_file_content);

}  // namespace faultline::harness::cluster
