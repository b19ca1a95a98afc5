#pragma once
// NodeSpec: how to reach one node of the cluster under test over SSH, and the nodes
// file that lists them (JSON, or a plain host list). Loaded once by the CLI and the
// cluster tooling, then handed to control::Pool. Pure data and pure functions;
// thread-safe.

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

namespace faultline::harness::control {

struct NodeSpec {
  std::string name;              // "n1": what logs, errors and histories call the node
  std::string host;              // address or DNS name sshd listens on
  int port = 22;
  std::string user = "root";     // non-root users run commands through `sudo -n`
  std::string key_path;          // private key; empty means libssh's default keys
  std::string known_hosts_path;  // empty means libssh's default (~/.ssh/known_hosts)
  std::string clock = "faketime";
};

struct NodesDefaults {
  std::string user = "root";
  std::string key_path;
  std::string known_hosts_path;
  int port = 22;
};

// Reads a nodes file. Two formats:
//   JSON: {"nodes":[{"name":"n1","host":"10.77.0.11","port":22,"user":"root",
//          "key":"/path/id","known_hosts":"/path/known_hosts","clock":"faketime"}, ...]}
//         Only "host" is required; a missing name is n<index+1>, other missing fields
//         come from `defaults`. Unknown fields are errors (they are usually typos).
//   Text: one `host`, `host:port` or `[v6addr]:port` per line, `#` starts a comment;
//         nodes are named n1..nN in order, everything else comes from `defaults`.
// The format is JSON when the first non-blank character is '{'. Errors name the file
// and the line (text) or the node index and field (JSON). Names must be unique.
base::Result<std::vector<NodeSpec>> load_nodes_file(const std::filesystem::path& path,
                                                    const NodesDefaults& defaults);

// Writes `nodes` as the JSON format above (every field spelled out), atomically
// (temporary file + rename). load_nodes_file reads back the same nodes.
base::Status write_nodes_file(const std::filesystem::path& path,
                              const std::vector<NodeSpec>& nodes);

}  // namespace faultline::harness::control
