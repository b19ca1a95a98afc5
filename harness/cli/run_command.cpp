// `faultline run`: the main job — one command from a cluster to a verdict (see
// harness/runner/runner.h for the phases). Exit 0 valid, 1 invalid, 2 unknown, 3 harness
// or config error; with --test-count N the worst of N tests. SIGINT and SIGTERM only set
// a flag: the run then heals, tears down and checks what it recorded.

#include <atomic>
#include <csignal>
#include <cstdio>

#include "harness/cli/commands.h"
#include "harness/runner/runner.h"
#include "harness/runner/target.h"

namespace faultline::harness {
namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_run_signal(int) { g_interrupted = true; }

struct RunArgs {
  runner::RunConfig config;
  int test_count = 1;
};

int run_run(RunArgs& a) {
  struct sigaction sa {};
  sa.sa_handler = on_run_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  if (a.test_count < 1) {
    std::fprintf(stderr, "error: --test-count must be at least 1\n");
    return kExitError;
  }
  return runner::run_tests(a.config, a.test_count, g_interrupted);
}

std::string joined(const std::vector<std::string>& words, const char* separator) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

// Per target, from the targets the runner knows (targets/<name>/BUGS.md says what each does).
std::string bugs_help() {
  std::string help = "Planted bug to switch on in the servers (repeatable; targets/<target>/BUGS.md):";
  for (const auto& kind : runner::target_kinds())
    if (!kind.bugs.empty()) help += "\n  " + kind.name + ": " + joined(kind.bugs, ", ");
  return help;
}

std::string targets_help() {
  std::vector<std::string> names;
  for (const auto& kind : runner::target_kinds()) names.push_back(kind.name);
  return "System under test: " + joined(names, " | ");
}

std::string read_modes_help() {
  std::string help = "Reads (default: the first):";
  for (const auto& kind : runner::target_kinds()) help += "\n  " + kind.name + ": " + joined(kind.read_modes, " | ");
  return help;
}

}  // namespace

void add_cluster_run_options(CLI::App* cmd, runner::RunConfig& c) {
  cmd->add_option("--store", c.store, "Store directory")->capture_default_str();
  cmd->add_option("--nodes-file", c.nodes_file, "Real machines (nodes.json or host list); default: a local cluster");
  cmd->add_option("--ssh-user", c.ssh_user, "User for a plain host list")->capture_default_str();
  cmd->add_option("--ssh-key", c.ssh_key, "Private key for a plain host list");
  cmd->add_option("--known-hosts", c.known_hosts, "known_hosts for a plain host list");
  cmd->add_flag("--accept-new-host-keys", c.accept_new_host_keys, "Learn unknown host keys");
  cmd->add_option("--nodes", c.local_nodes, "Nodes of the local cluster")->capture_default_str();
  cmd->add_option("--subnet", c.local_subnet, "Subnet of the local cluster")->capture_default_str();
  cmd->add_option("--state-dir", c.cluster_state_dir, "State directory of the local cluster");
  cmd->add_option("--target-binary", c.target_binary, "Server binary to upload (default: the target's, beside faultline)");
}

void add_run_command(CLI::App& app, std::function<int()>* run) {
  auto args = std::make_shared<RunArgs>();
  runner::RunConfig& c = args->config;
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run a test: set up the target on a cluster (a local one unless --nodes-file), drive\n"
      "clients while the nemesis injects faults, heal, check, store the run under\n"
      "store/<test>/<time>/. Exit 0 valid, 1 invalid, 2 unknown, 3 harness/config error.");
  cmd->add_option("--target", c.target, targets_help())->capture_default_str();
  cmd->add_option("--workload", c.workload, "register | set (raft, zab, etcd) | bank (twopc)")->capture_default_str();
  cmd->add_option("--keys", c.keys, "Keys in use at once (register) / sets (set) / accounts (bank)")->capture_default_str();
  cmd->add_option("--bug", c.bugs, bugs_help());
  cmd->add_option("--read-mode", c.read_mode, read_modes_help());
  cmd->add_option("--election-ticks", c.election_ticks,
                  "raft, zab: election timeout drawn from [N, 2N) ticks of 10 ms (default: the server's, 10)");
  cmd->add_option("--max-entries-per-message", c.max_entries_per_message,
                  "raft: most log entries per AppendEntries (default: the server's, 64)");
  cmd->add_flag_callback("--etcd-serializable-reads", [&c] { c.read_mode = "serializable"; },
                         "etcd: serializable reads (any member answers from its local state, maybe stale); "
                         "same as --read-mode serializable");
  cmd->add_option("--nemesis", c.nemesis, "Faults: partition,loss,delay,kill,pause,clock,crash-loop (empty: none)");
  cmd->add_option("--nemesis-interval", c.nemesis_interval_s, "Mean seconds between a fault's start and stop")
      ->capture_default_str();
  cmd->add_option("--nemesis-targets", c.nemesis_targets, "one | minority | majority | all | leader")
      ->capture_default_str();
  cmd->add_option("--nemesis-topologies", c.nemesis_topologies,
                  "Partition shapes: halves,random-halves,isolate,isolate-leader,majorities-ring,bridge,minority-third");
  cmd->add_option("--clock-faults", c.clock_faults,
                  "Clock fault flavours: bump,strobe,freeze (default: all; a freeze holds the clock still)");
  cmd->add_option("--delay-ms", c.delay_ms, "Delay fault: how long each packet into a target node is held")
      ->capture_default_str();
  cmd->add_option("--delay-jitter-ms", c.delay_jitter_ms, "Delay fault: uniform spread around --delay-ms")
      ->capture_default_str();
  cmd->add_option("--time-limit", c.time_limit_s, "Seconds of the main phase")->capture_default_str();
  cmd->add_option("--concurrency", c.concurrency, "Client threads")->capture_default_str();
  cmd->add_option("--rate", c.rate, "Operations per second over all clients")->capture_default_str();
  cmd->add_option("--call-timeout", c.call_timeout_s, "Seconds before a call ends as info")
      ->capture_default_str();
  cmd->add_option("--check-time-limit", c.check_time_limit_s,
                  "Seconds the linearizability search may take before it says unknown")
      ->capture_default_str();
  cmd->add_option("--seed", c.seed, "Seed of clients and nemesis (0: from the clock; recorded)");
  cmd->add_option("--test-count", args->test_count, "Run N tests (seeds S, S+1, ...) and exit with the worst")
      ->capture_default_str();
  cmd->add_option("--test-name", c.test_name, "Name in the store (default <target>-<workload>)");
  add_cluster_run_options(cmd, c);
  cmd->add_flag("--leave-running", c.leave_running, "Leave the servers (and a local cluster) running");
  cmd->callback([args, run] { *run = [args] { return run_run(*args); }; });
}

}  // namespace faultline::harness
