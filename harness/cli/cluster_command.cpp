// `faultline cluster up|down|status|ssh`: the local cluster (DESIGN.md "Local cluster").
// up/down need root. status and ssh go through the SSH control layer (libssh), to the
// local cluster's nodes or, with --nodes-file, to any machines: status exits 0 if every
// node answers over SSH, else 1; ssh exits with the remote command's status, or 3 if the
// node could not be reached (the error names it).

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "harness/cli/commands.h"
#include "harness/cli/node_options.h"
#include "harness/cluster/cluster.h"
#include "harness/cluster/process.h"
#include "harness/control/node.h"
#include "harness/control/quote.h"
#include "harness/control/ssh.h"
#include "nemesis/heal.h"
#include "nemesis/state_file.h"

namespace faultline::harness {
namespace {

namespace cl = cluster;

struct ClusterArgs : NodeArgs {
  int nodes = 5;
  std::string subnet = "10.77.0.0/24";
  std::string node;
  std::vector<std::string> command;
  double timeout_s = 60;
  std::string nemesis_state;  // with --nodes-file: the nemesis state file
};

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return kExitError;
}

int run_up(const ClusterArgs& a) {
  cl::UpOptions o;
  o.nodes = a.nodes;
  o.subnet = a.subnet;
  o.state_dir = a.state_dir;
  auto s = cl::up(o, std::cout);
  return s.ok() ? 0 : fail(s.error().message);
}

int run_down(const ClusterArgs& a) {
  auto s = cl::down(a.state_dir, std::cout);
  return s.ok() ? 0 : fail(s.error().message);
}

// Every node: can we run a command on it over SSH? For the local cluster, also its
// namespace, its sshd process and its port.
int run_status(const ClusterArgs& a) {
  auto specs = load_nodes(a);
  if (!specs.ok()) return fail(specs.error().message);
  control::Pool pool(*specs, ssh_options(a));
  std::vector<std::string> names;
  for (const auto& n : *specs) names.push_back(n.name);
  std::vector<std::string> errors(names.size());
  auto results = pool.on_nodes(names, [&](const std::string& node) -> base::Status {
    auto r = pool.exec(node, "true", 5000);
    if (!r.ok()) return r.error();
    return base::ok_status();
  });
  std::vector<cl::NodeStatus> local;
  if (a.nodes_file.empty()) {
    auto st = cl::node_status(a.state_dir);
    if (!st.ok()) return fail(st.error().message);
    local = std::move(*st);
  }
  auto yes = [](bool b) { return b ? "yes" : "NO"; };
  if (local.empty()) {
    std::printf("%-8s %-22s %-4s\n", "node", "address", "ssh");
  } else {
    std::printf("%-8s %-22s %-4s %-6s %-6s %-6s\n", "node", "address", "ssh", "netns", "sshd",
                "tcp:22");
  }
  bool all = true;
  for (size_t i = 0; i < specs->size(); ++i) {
    const auto& n = (*specs)[i];
    const std::string address = n.host + ":" + std::to_string(n.port);
    const bool ssh = results[i].ok();
    all = all && ssh;
    if (i < local.size()) {
      std::printf("%-8s %-22s %-4s %-6s %-6s %-6s\n", n.name.c_str(), address.c_str(), yes(ssh),
                  yes(local[i].netns), yes(local[i].process), yes(local[i].tcp));
    } else {
      std::printf("%-8s %-22s %-4s\n", n.name.c_str(), address.c_str(), yes(ssh));
    }
    if (!ssh) std::printf("         %s\n", results[i].error().message.c_str());
  }
  return all ? 0 : 1;
}

int run_ssh(const ClusterArgs& a) {
  auto specs = load_nodes(a);
  if (!specs.ok()) return fail(specs.error().message);
  control::Pool pool(*specs, ssh_options(a));
  auto r = pool.exec(a.node, control::shell_join(a.command),
                     static_cast<int64_t>(a.timeout_s * 1000));
  if (!r.ok()) return fail(r.error().message);
  std::fwrite(r->out.data(), 1, r->out.size(), stdout);
  std::fwrite(r->err.data(), 1, r->err.size(), stderr);
  return r->exit_status;
}

// Undoes every fault the nemesis state file records (after a controller crash).
int run_heal(const ClusterArgs& a) {
  auto specs = load_nodes(a);
  if (!specs.ok()) return fail(specs.error().message);
  std::filesystem::path state_file;
  if (!a.nodes_file.empty()) {
    if (a.nemesis_state.empty()) return fail("--nodes-file needs --nemesis-state FILE");
    state_file = a.nemesis_state;
  } else {
    state_file = nemesis::state_path(cl::absolute_state_dir(a.state_dir));
  }
  control::Pool pool(*specs, ssh_options(a));
  const nemesis::HealReport report = nemesis::heal_from_state(pool, *specs, state_file);
  for (const auto& line : report.done) std::printf("healed: %s\n", line.c_str());
  for (const auto& line : report.errors) std::fprintf(stderr, "error: %s\n", line.c_str());
  return report.ok() ? 0 : kExitError;
}

CLI::App* add(CLI::App* parent, const char* name, const char* help,
              std::shared_ptr<ClusterArgs> args) {
  CLI::App* cmd = parent->add_subcommand(name, help);
  cmd->add_option("--state-dir", args->state_dir, "Where the cluster's keys and state live")
      ->capture_default_str();
  return cmd;
}

}  // namespace

void add_cluster_command(CLI::App& app, std::function<int()>* run) {
  auto args = std::make_shared<ClusterArgs>();
  CLI::App* cluster = app.add_subcommand(
      "cluster",
      "A local cluster: each node a set of namespaces on a bridge with its own sshd.");
  cluster->require_subcommand(1);

  CLI::App* up = add(cluster, "up", "Create the cluster (root). Harmless if it is up.", args);
  up->add_option("--nodes", args->nodes, "Number of nodes, n1..nN")
      ->check(CLI::Range(1, cl::kMaxNodes))
      ->capture_default_str();
  up->add_option("--subnet", args->subnet, "IPv4 /24; the host is .1, node nK is .(10+K)")
      ->capture_default_str();
  up->callback([args, run] { *run = [args] { return run_up(*args); }; });

  CLI::App* down = add(cluster, "down", "Remove every trace of the cluster (root).", args);
  down->callback([args, run] { *run = [args] { return run_down(*args); }; });

  CLI::App* status = add(cluster, "status",
                         "Show each node's namespace, sshd and port 22. Exit 0 if all are "
                         "reachable, else 1.",
                         args);
  auto remote_options = [&](CLI::App* cmd) { add_node_options(cmd, *args); };
  remote_options(status);
  status->callback([args, run] { *run = [args] { return run_status(*args); }; });

  CLI::App* ssh = add(cluster, "ssh", "Run a command on a node: ssh nK -- CMD...", args);
  ssh->add_option("node", args->node, "n1, n2, ...")->required();
  ssh->add_option("command", args->command, "The command and its arguments (after --)");
  ssh->add_option("--timeout", args->timeout_s, "Seconds before the command is abandoned")
      ->capture_default_str();
  remote_options(ssh);

  CLI::App* heal = add(cluster, "heal",
                       "Undo every fault the nemesis state file records: partitions and "
                       "loss, paused and killed processes, clock offsets. For use after a "
                       "controller crash; harmless when nothing is applied.",
                       args);
  remote_options(heal);
  heal->add_option("--nemesis-state", args->nemesis_state,
                   "With --nodes-file: the nemesis state file of the run");
  heal->callback([args, run] { *run = [args] { return run_heal(*args); }; });
  ssh->callback([args, run] { *run = [args] { return run_ssh(*args); }; });
}

}  // namespace faultline::harness
