#pragma once
// ServerTarget: a Target made of one server process per node, described by a
// ServerRecipe — upload (or not) its binary, wipe its data, save the node's start
// command as start.sh (so the nemesis restarts it the same way), start it under
// libfaketime where the node's clock backend is faketime (so the clock nemesis reaches
// it), wait until a ready op through its client succeeds, and at the end collect its
// log and stop it by the pid in its pidfile — never by name. Every step runs on all
// nodes in parallel and its errors name the node. The shipped servers (raft, zab) and
// packaged ones (etcd) are all recipes. Harness layer; setup/teardown from one thread.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "harness/runner/target.h"

namespace faultline::harness::runner {

using ClientFactory = std::function<std::unique_ptr<workloads::Client>(
    const std::string& node, uint64_t client_id, std::chrono::milliseconds timeout)>;

struct ServerRecipe {
  std::string name;         // "raft": the node's log lands in <run>/<node>/<name>.log
  std::string remote_dir;   // the server's folder on the node (created by setup)
  // A word of the server's command line: stop and the nemesis act on a pid only when
  // /proc/<pid>/cmdline contains it (a recycled pid is left alone).
  std::string process_match;
  std::filesystem::path local_binary;  // uploaded to remote_binary; empty: nothing uploaded
  std::string remote_binary;
  std::string log_file;  // on the node: the server's stdout and stderr
  std::string pidfile;   // on the node
  // False: the server does not write its pidfile; start.sh records the pid it started.
  bool server_writes_pidfile = true;
  // Run on every node before anything else (e.g. install a package); empty: nothing.
  std::vector<std::string> install_argv;
  std::vector<std::string> wipe_argv;  // deletes the node's data; run while stopped
  // argv that runs node `index` in the foreground.
  std::function<std::vector<std::string>(size_t index)> start_argv;
  ClientFactory make_client;
  // Ready when this op succeeds through a client (any node).
  workloads::OpSpec ready_op;
  // The current leader; empty function: the target has none.
  std::function<std::optional<std::string>()> leader;
  // Target::shard_nodes(); empty: every node.
  std::vector<std::string> shard_nodes;
};

class ServerTarget : public Target {
 public:
  ServerTarget(control::Pool& pool, std::vector<control::NodeSpec> nodes, ServerRecipe recipe);

  base::Status setup(int64_t timeout_ms) override;
  base::Status teardown(const std::filesystem::path& run_dir, bool leave_running) override;
  nemesis::ProcessSpec process_spec() const override;
  std::unique_ptr<workloads::Client> client(const std::string& node, uint64_t client_id,
                                            std::chrono::milliseconds timeout) const override;
  std::optional<std::string> leader() const override;
  std::vector<std::string> shard_nodes() const override;

  // The sh line that starts node `index` in the background, appending to its log (and,
  // for servers that do not, writing the pidfile). Exposed for its unit test.
  std::string start_command(size_t index) const;
  // The sh line that ends the server whose pid the pidfile holds, if it is ours:
  // SIGTERM, then SIGKILL after two seconds.
  std::string stop_command() const;

 private:
  base::Status on_all(const std::string& what, const std::function<base::Status(size_t index)>& step);
  std::string log_tail(const std::string& node);

  control::Pool& pool_;
  std::vector<control::NodeSpec> nodes_;
  ServerRecipe recipe_;
};

}  // namespace faultline::harness::runner
