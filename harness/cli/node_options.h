#pragma once
// The options that say which nodes a command reaches: the local cluster's (its state
// dir) or real machines (--nodes-file, with SSH defaults for a plain host list).
// Shared by `faultline cluster status|ssh|heal` and `faultline nemesis run`. Harness
// layer; not thread-safe (filled by CLI11 while parsing).

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "harness/cluster/cluster.h"
#include "harness/control/node.h"
#include "harness/control/ssh.h"

namespace faultline::harness {

struct NodeArgs {
  std::string state_dir = cluster::kDefaultStateDir;
  std::string nodes_file;  // set: real machines instead of the local cluster
  control::NodesDefaults defaults;
  bool accept_new_host_keys = false;
};

// --nodes-file, --ssh-user, --ssh-key, --known-hosts, --accept-new-host-keys.
// (--state-dir is added by each command, with its own help.)
inline void add_node_options(CLI::App* cmd, NodeArgs& args) {
  cmd->add_option("--nodes-file", args.nodes_file,
                  "nodes.json, or a plain list of host[:port] lines (real machines)");
  cmd->add_option("--ssh-user", args.defaults.user, "User for a plain host list")
      ->capture_default_str();
  cmd->add_option("--ssh-key", args.defaults.key_path, "Private key for a plain host list");
  cmd->add_option("--known-hosts", args.defaults.known_hosts_path,
                  "known_hosts for a plain host list");
  cmd->add_flag("--accept-new-host-keys", args.accept_new_host_keys,
                "Learn unknown host keys (a changed key is always refused)");
}

// The nodes to reach: --nodes-file if given, else the local cluster's nodes.json.
inline base::Result<std::vector<control::NodeSpec>> load_nodes(const NodeArgs& a) {
  if (!a.nodes_file.empty()) return control::load_nodes_file(a.nodes_file, a.defaults);
  return control::load_nodes_file(cluster::absolute_state_dir(a.state_dir) / "nodes.json", {});
}

inline control::SshOptions ssh_options(const NodeArgs& a) {
  control::SshOptions o;
  o.accept_new_host_keys = a.accept_new_host_keys;
  return o;
}

}  // namespace faultline::harness
