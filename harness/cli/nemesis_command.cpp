// `faultline nemesis run`: runs a nemesis alone against a cluster (the local one, or
// machines from --nodes-file) for --time-limit seconds, writes its ops to --history as
// JSONL, and ALWAYS heals at the end: also after an error, SIGINT or SIGTERM (the
// handlers only set a flag; this thread stops the schedule and heals, with a
// deadline). Exit 0 when it healed cleanly, 3 on a harness or config error (the
// message names the node), including a heal that left something behind.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "base/self_path.h"
#include "harness/cli/commands.h"
#include "harness/cli/node_options.h"
#include "history/writer.h"
#include "nemesis/clock.h"
#include "nemesis/driver.h"
#include "nemesis/nodes_backend.h"
#include "nemesis/settime_clock.h"
#include "nemesis/state_file.h"

namespace faultline::harness {
namespace {

namespace fs = std::filesystem;

struct NemesisArgs : NodeArgs {
  std::string nemesis;
  double interval_s = 10;
  std::string targets = "one";
  std::string topologies;
  double time_limit_s = 60;
  uint64_t seed = 0;
  bool seed_given = false;
  std::string history;
  std::string nemesis_state;
  std::string pidfile;
  std::string start_command;
  std::string expect;
  std::string clock_backend;  // empty: what the nodes file says
  std::string settime_helper;
  double loss_probability = 0.5;
  int64_t delay_ms = 40;
  int64_t delay_jitter_ms = 30;
  int64_t clock_max_delta_ms = 60'000;
  double heal_timeout_s = 30;
};

volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_signal(int sig) { g_signal = sig; }

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return kExitError;
}

// The clock backend for these nodes: --clock-backend, else the nodes' own (which must
// agree).
base::Result<std::string> clock_backend_of(const NemesisArgs& a,
                                           const std::vector<control::NodeSpec>& nodes) {
  std::string name = a.clock_backend;
  if (name.empty()) {
    for (const auto& n : nodes) {
      if (!name.empty() && n.clock != name) {
        return base::Error{"node " + n.name + ": clock \"" + n.clock + "\" differs from \"" +
                           name + "\" of the other nodes; pass --clock-backend"};
      }
      name = n.clock;
    }
  }
  if (name != "faketime" && name != "settime") {
    return base::Error{"unknown clock backend \"" + name + "\" (expected faketime or settime)"};
  }
  return name;
}

int run_nemesis(const NemesisArgs& a) {
  // ---- Configuration: nothing on the nodes is touched until it all checks out.
  auto kinds = nemesis::parse_fault_kinds(a.nemesis);
  if (!kinds.ok()) return fail("--nemesis: " + kinds.error().message);
  auto targets = nemesis::parse_target_set(a.targets);
  if (!targets.ok()) return fail("--nemesis-targets: " + targets.error().message);
  nemesis::DriverOptions options;
  if (!a.topologies.empty()) {
    auto t = nemesis::parse_topologies(a.topologies);
    if (!t.ok()) return fail("--nemesis-topologies: " + t.error().message);
    options.topologies = *t;
  }
  if (a.interval_s <= 0) return fail("--nemesis-interval must be > 0 seconds");
  if (a.time_limit_s <= 0) return fail("--time-limit must be > 0 seconds");
  if (!(a.loss_probability > 0 && a.loss_probability <= 1))
    return fail("--loss-probability must be in (0, 1]");
  if (a.delay_ms < 1 || a.delay_ms > 10'000) return fail("--delay-ms must be between 1 and 10000");
  if (a.delay_jitter_ms < 0 || a.delay_jitter_ms > a.delay_ms)
    return fail("--delay-jitter-ms must be between 0 and --delay-ms");
  auto has = [&](nemesis::FaultKind k) {
    return std::find(kinds->begin(), kinds->end(), k) != kinds->end();
  };
  const bool process_faults = has(nemesis::FaultKind::Kill) || has(nemesis::FaultKind::Pause) ||
                              has(nemesis::FaultKind::CrashLoop);
  if (process_faults && (a.pidfile.empty() || a.start_command.empty() || a.expect.empty())) {
    return fail("--nemesis kill/pause/crash-loop need --pidfile, --start-command and --expect (the "
                "target is found by its pidfile, never by name)");
  }
  auto nodes = load_nodes(a);
  if (!nodes.ok()) return fail(nodes.error().message);
  std::vector<std::string> names;
  for (const auto& n : *nodes) names.push_back(n.name);

  const uint64_t seed =
      a.seed_given ? a.seed
                   : static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  options.schedule.kinds = *kinds;
  options.schedule.interval_ms = static_cast<int64_t>(a.interval_s * 1000);
  options.schedule.duration_ms = static_cast<int64_t>(a.time_limit_s * 1000);
  options.schedule.seed = seed;
  options.targets = *targets;
  options.loss_probability = a.loss_probability;
  options.delay_ms = a.delay_ms;
  options.delay_jitter_ms = a.delay_jitter_ms;
  options.clock_max_delta_ms = a.clock_max_delta_ms;
  options.heal_timeout_ms = static_cast<int64_t>(a.heal_timeout_s * 1000);

  fs::path state_file = a.nemesis_state;
  if (state_file.empty()) {
    state_file = a.nodes_file.empty()
                     ? nemesis::state_path(cluster::absolute_state_dir(a.state_dir))
                     : fs::absolute(a.history).parent_path() / nemesis::kStateFileName;
  }

  control::Pool pool(*nodes, ssh_options(a));
  // Every node must answer before any fault: an unreachable node is a config error.
  std::string unreachable;
  const auto reach = pool.on_nodes(names, [&](const std::string& node) -> base::Status {
    auto r = pool.exec(node, "true", 10'000);
    if (!r.ok()) return r.error();
    return base::ok_status();
  });
  for (const auto& s : reach) {
    if (!s.ok()) unreachable += (unreachable.empty() ? "" : "; ") + s.error().message;
  }
  if (!unreachable.empty()) return fail(unreachable);

  std::unique_ptr<nemesis::ClockFaults> clock;
  if (has(nemesis::FaultKind::Clock)) {
    auto backend = clock_backend_of(a, *nodes);
    if (!backend.ok()) return fail(backend.error().message);
    if (*backend == "settime") {
      auto settime = std::make_unique<nemesis::SettimeClock>(pool);
      const fs::path helper =
          a.settime_helper.empty() ? base::beside_executable("faultline-settime") : fs::path(a.settime_helper);
      if (auto s = settime->install(names, helper); !s.ok()) {
        return fail("installing " + helper.string() + ": " + s.error().message);
      }
      clock = std::move(settime);
    } else {
      clock = std::make_unique<nemesis::FaketimeClock>(pool);
    }
  }
  nemesis::NodesBackendOptions backend_options;
  backend_options.state_file = state_file;
  backend_options.delay_helper = base::beside_executable("faultline-delay");
  if (!a.pidfile.empty()) {
    nemesis::ProcessSpec spec;
    spec.pidfile = a.pidfile;
    spec.start_command = a.start_command;
    spec.expect = a.expect;
    backend_options.process = spec;
  }
  nemesis::NodesBackend backend(pool, *nodes, std::move(clock), backend_options);

  auto writer = history::JsonlWriter::open(a.history);
  if (!writer.ok()) return fail(writer.error().message);
  std::mutex writer_mu;
  int64_t index = 0;
  std::string write_error;
  auto sink = [&](history::Op op) {
    std::lock_guard<std::mutex> lock(writer_mu);
    op.index = index++;
    // Nemesis ops are few: each is made durable at once.
    auto s = (*writer)->append(op);
    if (s.ok()) s = (*writer)->sync();
    if (!s.ok() && write_error.empty()) write_error = s.error().message;
    std::printf("%s\n", history::describe(op).c_str());
    std::fflush(stdout);
  };

  std::printf("nemesis %s on %zu nodes for %g s, seed %llu, history %s, state %s\n",
              a.nemesis.c_str(), names.size(), a.time_limit_s,
              static_cast<unsigned long long>(seed), a.history.c_str(), state_file.c_str());
  std::fflush(stdout);

  // ---- The run. From here on, whatever happens, the cluster is healed.
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  const base::Clock& real = base::real_clock();
  std::string run_error;
  {
    nemesis::Driver driver(backend, names, options, real, sink);
    const int64_t end_ns = real.now_ns() + options.schedule.duration_ms * 1'000'000;
    try {
      driver.start();
      while (g_signal == 0 && real.now_ns() < end_ns) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    } catch (const std::exception& e) {
      run_error = e.what();
    }
    driver.stop();
    if (g_signal != 0) {
      std::printf("interrupted by %s: healing\n", g_signal == SIGINT ? "SIGINT" : "SIGTERM");
      std::fflush(stdout);
    }
    auto healed = driver.heal();
    if (!healed.ok()) run_error += (run_error.empty() ? "" : "; ") + ("heal: " + healed.error().message);
  }
  if (auto s = (*writer)->sync(); !s.ok() && write_error.empty()) write_error = s.error().message;
  if (!write_error.empty()) run_error += (run_error.empty() ? "" : "; ") + write_error;
  if (!run_error.empty()) return fail(run_error);
  std::printf("healed\n");
  return 0;
}

}  // namespace

void add_nemesis_command(CLI::App& app, std::function<int()>* run) {
  auto args = std::make_shared<NemesisArgs>();
  CLI::App* nemesis = app.add_subcommand("nemesis", "Fault injection on its own.");
  nemesis->require_subcommand(1);
  CLI::App* cmd = nemesis->add_subcommand(
      "run",
      "Run a nemesis schedule against a cluster, record its ops as JSONL and always heal "
      "at the end (also on error, SIGINT, SIGTERM). Exit 0 when healed, 3 on error.");
  cmd->add_option("--nemesis", args->nemesis, "Faults: partition,loss,delay,kill,pause,clock,crash-loop")
      ->required();
  cmd->add_option("--nemesis-interval", args->interval_s,
                  "Mean seconds between a fault's start and stop")
      ->capture_default_str();
  cmd->add_option("--nemesis-targets", args->targets,
                  "Nodes a kill/pause/loss/delay/clock/crash-loop fault hits: one|minority|majority|all|leader")
      ->capture_default_str();
  cmd->add_option("--nemesis-topologies", args->topologies,
                  "Partitions to pick from (default all): halves,random-halves,isolate,"
                  "isolate-leader,majorities-ring,bridge,minority-third");
  cmd->add_option("--time-limit", args->time_limit_s, "Seconds to run")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of the schedule (default: from the time)")
      ->each([args](const std::string&) { args->seed_given = true; });
  cmd->add_option("--history", args->history, "Where to write the nemesis ops (JSONL)")
      ->required();
  cmd->add_option("--nemesis-state", args->nemesis_state,
                  "The state file for `cluster heal` (default: the cluster's, or beside "
                  "--history with --nodes-file)");
  cmd->add_option("--pidfile", args->pidfile, "The target's pidfile on each node");
  cmd->add_option("--start-command", args->start_command,
                  "sh command that starts the target in the background and writes the pidfile");
  cmd->add_option("--expect", args->expect,
                  "Text the target's /proc/<pid>/cmdline must contain");
  cmd->add_option("--clock-backend", args->clock_backend,
                  "faketime (local nodes) or settime (VMs); default: the nodes file's");
  cmd->add_option("--settime-helper", args->settime_helper,
                  "faultline-settime binary to upload (default: beside this program)");
  cmd->add_option("--delay-ms", args->delay_ms, "Delay fault: how long each packet into a target node is held")
      ->capture_default_str();
  cmd->add_option("--delay-jitter-ms", args->delay_jitter_ms, "Delay fault: uniform spread around --delay-ms")
      ->capture_default_str();
  cmd->add_option("--loss-probability", args->loss_probability, "Packet loss probability")
      ->capture_default_str();
  cmd->add_option("--clock-max-delta-ms", args->clock_max_delta_ms,
                  "Largest clock bump, either way")
      ->capture_default_str();
  cmd->add_option("--heal-timeout", args->heal_timeout_s,
                  "Seconds the final heal may take before giving up on a node")
      ->capture_default_str();
  cmd->add_option("--state-dir", args->state_dir, "The local cluster's state dir")
      ->capture_default_str();
  add_node_options(cmd, *args);
  cmd->callback([args, run] { *run = [args] { return run_nemesis(*args); }; });
}

}  // namespace faultline::harness
