#include "harness/runner/runner.h"

#include <sys/resource.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "base/atomic_file.h"
#include "base/clock.h"
#include "base/random.h"
#include "base/self_path.h"
#include "harness/cluster/cluster.h"
#include "harness/control/node.h"
#include "harness/control/ssh.h"
#include "harness/runner/check_run.h"
#include "harness/runner/clients.h"
#include "harness/runner/target.h"
#include "harness/runner/report_run.h"
#include "harness/runner/store.h"
#include "history/writer.h"
#include "nemesis/clock.h"
#include "nemesis/driver.h"
#include "nemesis/nodes_backend.h"
#include "nemesis/settime_clock.h"
#include "nemesis/state_file.h"
#include "workloads/workload.h"

namespace faultline::harness::runner {

namespace fs = std::filesystem;
using checkers::Verdict;
using Ms = std::chrono::milliseconds;

int worse_exit(int a, int b) {
  auto rank = [](int code) { return code == 3 ? 3 : code == 1 ? 2 : code == 2 ? 1 : 0; };
  return rank(a) >= rank(b) ? a : b;
}

namespace {

std::string versions_of(const fs::path& binary) {
  if (binary.empty()) return "faultline 0.1.0";
  std::error_code ec;
  const auto size = fs::file_size(binary, ec);
  return "faultline 0.1.0; " + binary.filename().string() + " " +
         (ec ? std::string("?") : std::to_string(size) + " bytes");
}

void write_json(const fs::path& path, const history::Value& value) {
  std::ofstream out(path);
  out << value.dump(2) << "\n";
}

class TestRun {
 public:
  TestRun(const RunConfig& config, const std::atomic<bool>& interrupted)
      : config_(config), interrupted_(interrupted) {}

  TestOutcome run();

 private:
  base::Status bring_up_cluster();
  void final_phase(const workloads::Workload& workload, const Target& target,
                   const std::vector<std::string>& names);
  void log(const std::string& line) {
    std::printf("[%s] %s\n", config_.name().c_str(), line.c_str());
    std::fflush(stdout);
  }

  RunConfig config_;
  const std::atomic<bool>& interrupted_;
  bool own_cluster_ = false;
  fs::path cluster_dir_;
  std::unique_ptr<Recorder> recorder_;
};

base::Status TestRun::bring_up_cluster() {
  cluster::UpOptions up;
  up.nodes = config_.local_nodes;
  up.subnet = config_.local_subnet;
  up.state_dir = cluster_dir_;
  std::ostringstream progress;
  auto status = cluster::up(up, progress);
  if (!status.ok()) return base::Error{"local cluster: " + status.error().message};
  own_cluster_ = true;
  return base::ok_status();
}

void TestRun::final_phase(const workloads::Workload& workload, const Target& target,
                          const std::vector<std::string>& names) {
  if (workload.final_ops.empty()) return;
  const auto deadline = std::chrono::steady_clock::now() +
                        Ms(static_cast<int64_t>(config_.final_timeout_s * 1000));
  const auto timeout = Ms(static_cast<int64_t>(config_.call_timeout_s * 1000));
  // Final processes are numbered after every main-phase process could have been.
  int64_t process = 1'000'000;
  size_t attempt = 0;
  for (const auto& spec : workload.final_ops) {
    bool ok = false;
    while (!ok && std::chrono::steady_clock::now() < deadline) {
      // A pinned op (a participant's audit) goes to its node; others rotate.
      const std::string node = spec.node.empty() ? names[attempt++ % names.size()] : spec.node;
      auto client = target.client(node, static_cast<uint64_t>(process) + 1, timeout);
      recorder_->write(client_op(*recorder_, process, node, spec, history::OpType::Invoke));
      const auto done = client->invoke(spec);
      history::Op completion = client_op(*recorder_, process, node, spec, done.type);
      completion.value = done.value;
      if (!done.error.empty() && done.type != history::OpType::Ok) completion.error = done.error;
      recorder_->write(std::move(completion));
      ++process;
      ok = done.type == history::OpType::Ok;
      if (!ok) std::this_thread::sleep_for(Ms(200));
    }
    if (!ok) log("final read of " + (spec.key ? history::to_text(*spec.key) : std::string("?")) +
                 " did not succeed before the deadline");
  }
}

TestOutcome TestRun::run() {
  TestOutcome outcome;
  auto fail = [&](const std::string& error) {
    outcome.exit_code = 3;
    outcome.error = error;
    return outcome;
  };
  if (auto s = validate(config_); !s.ok()) return fail(s.error().message);
  const TargetKind& kind = *find_target_kind(config_.target);  // validate() found it
  if (config_.read_mode.empty()) config_.read_mode = kind.read_modes.front();
  auto kinds = config_.nemesis.empty() ? base::Result<std::vector<nemesis::FaultKind>>(std::vector<nemesis::FaultKind>{})
                                       : nemesis::parse_fault_kinds(config_.nemesis);
  if (!kinds.ok()) return fail("--nemesis: " + kinds.error().message);
  auto target_set = nemesis::parse_target_set(config_.nemesis_targets);
  if (!target_set.ok()) return fail("--nemesis-targets: " + target_set.error().message);
  nemesis::DriverOptions driver_options;
  if (!config_.nemesis_topologies.empty()) {
    auto t = nemesis::parse_topologies(config_.nemesis_topologies);
    if (!t.ok()) return fail("--nemesis-topologies: " + t.error().message);
    driver_options.topologies = *t;
  }
  if (!config_.clock_faults.empty()) {
    if (auto s = nemesis::set_clock_faults(driver_options, config_.clock_faults); !s.ok())
      return fail("--clock-faults: " + s.error().message);
  }
  driver_options.delay_ms = config_.delay_ms;
  driver_options.delay_jitter_ms = config_.delay_jitter_ms;
  workloads::WorkloadOptions workload_options;
  workload_options.name = config_.workload;
  workload_options.keys = config_.keys;
  auto workload = workloads::make_workload(workload_options);
  if (!workload.ok()) return fail("--workload: " + workload.error().message);
  const fs::path binary = kind.binary.empty() ? fs::path() : server_binary(config_, kind.binary);
  if (!kind.binary.empty() && !fs::exists(binary))
    return fail(binary.string() + ": the " + kind.binary + " binary is missing (--target-binary)");

  // ---- The run directory first: whatever happens next is recorded there.
  auto dir = create_run_dir(config_.store, config_.name());
  if (!dir.ok()) return fail(dir.error().message);
  outcome.dir = *dir;
  history::Value test = {{"config", to_json(config_)},
                         {"versions", versions_of(binary)},
                         {"started", std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count()}};
  write_json(*dir / "test.json", test);
  const fs::path test_json = *dir / "test.json";
  log("run directory " + dir->string() + ", seed " + std::to_string(config_.seed));

  // ---- Cluster and nodes.
  cluster_dir_ = cluster::absolute_state_dir(config_.cluster_state_dir.empty() ? cluster::kDefaultStateDir
                                                                               : config_.cluster_state_dir);
  std::vector<control::NodeSpec> nodes;
  if (config_.nodes_file.empty()) {
    if (auto s = bring_up_cluster(); !s.ok()) return fail(s.error().message);
    auto loaded = control::load_nodes_file(cluster_dir_ / "nodes.json", {});
    if (!loaded.ok()) return fail(loaded.error().message);
    nodes = *loaded;
  } else {
    control::NodesDefaults defaults;
    defaults.user = config_.ssh_user;
    defaults.key_path = config_.ssh_key;
    defaults.known_hosts_path = config_.known_hosts;
    auto loaded = control::load_nodes_file(config_.nodes_file, defaults);
    if (!loaded.ok()) return fail(loaded.error().message);
    nodes = *loaded;
  }
  std::string error;
  auto note_error = [&](const std::string& e) {
    if (!e.empty()) error += (error.empty() ? "" : "; ") + e;
  };
  {
    control::SshOptions ssh;
    ssh.accept_new_host_keys = config_.accept_new_host_keys;
    control::Pool pool(nodes, ssh);
    std::vector<std::string> names;
    for (const auto& n : nodes) names.push_back(n.name);
    const auto reach = pool.on_nodes(names, [&](const std::string& node) -> base::Status {
      auto r = pool.exec(node, "true", 10'000);
      if (!r.ok()) return base::Error{r.error().message};
      return base::ok_status();
    });
    for (const auto& s : reach)
      if (!s.ok()) note_error(s.error().message);

    const std::unique_ptr<Target> target_owner = kind.make(pool, nodes, config_);
    Target& target = *target_owner;
    const bool reached = error.empty();  // teardown only where setup could have run
    if (config_.workload == "bank") {
      // The bank's accounts live on the target's shards; each is audited at the end.
      workload_options.audit_nodes = target.shard_nodes();
      workload_options.shards = static_cast<int>(workload_options.audit_nodes.size());
      workload = workloads::make_workload(workload_options);
      if (!workload.ok()) note_error("--workload: " + workload.error().message);
    }
    if (error.empty()) {
      log("setting up " + kind.name + " on " + std::to_string(nodes.size()) + " nodes");
      if (auto s = target.setup(30'000); !s.ok()) note_error(s.error().message);
    }
    Verdict interrupted_cap = Verdict::Valid;
    std::unique_ptr<history::JsonlWriter> writer;
    if (error.empty()) {
      auto opened = history::JsonlWriter::open(*dir / "history.jsonl");
      if (opened.ok()) {
        writer = std::move(*opened);
      } else {
        note_error(opened.error().message);
      }
    }
    if (error.empty()) {
      // ---- Main phase.
      recorder_ = std::make_unique<Recorder>(std::move(writer), base::real_clock().now_ns());
      // The wall-clock time of the history's zero, so node log lines (stamped with wall
      // time) can be placed on the history's timeline by `faultline check`.
      test["history_origin_unix_us"] = std::chrono::duration_cast<std::chrono::microseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count();
      if (auto s = base::write_file_atomically(test_json, test.dump(2) + "\n"); !s.ok()) note_error(s.error().message);

      std::unique_ptr<nemesis::ClockFaults> clock;
      const bool clock_faults =
          std::find(kinds->begin(), kinds->end(), nemesis::FaultKind::Clock) != kinds->end();
      if (clock_faults) {
        if (nodes.front().clock == "settime") {
          auto settime = std::make_unique<nemesis::SettimeClock>(pool);
          if (auto s = settime->install(names, base::beside_executable("faultline-settime")); !s.ok())
            note_error("settime helper: " + s.error().message);
          clock = std::move(settime);
        } else {
          clock = std::make_unique<nemesis::FaketimeClock>(pool);
        }
      }
      nemesis::NodesBackendOptions backend_options;
      backend_options.state_file = nemesis::state_path(config_.nodes_file.empty() ? cluster_dir_ : *dir);
      backend_options.process = target.process_spec();
      backend_options.delay_helper = base::beside_executable("faultline-delay");
      nemesis::NodesBackend backend(pool, nodes, std::move(clock), backend_options);
      driver_options.schedule.kinds = *kinds;
      driver_options.schedule.interval_ms = static_cast<int64_t>(config_.nemesis_interval_s * 1000);
      driver_options.schedule.duration_ms = static_cast<int64_t>(config_.time_limit_s * 1000);
      driver_options.schedule.seed = base::mix64(config_.seed);
      driver_options.targets = *target_set;

      const auto timeout = Ms(static_cast<int64_t>(config_.call_timeout_s * 1000));
      ClientOptions client_options;
      client_options.concurrency = config_.concurrency;
      client_options.rate = config_.rate;
      client_options.seed = config_.seed;
      ClientThreads clients(
          *recorder_,
          [&](const std::string& node, uint64_t client_id) { return target.client(node, client_id, timeout); },
          *workload->generator, names, client_options);
      {
        nemesis::Driver driver(backend, names, driver_options, base::real_clock(),
                               [&](history::Op op) {
                                 recorder_->write(std::move(op));
                                 recorder_->sync();  // faults are few: each durable at once
                               },
                               [&] { return target.leader(); });
        log("main phase: " + std::to_string(config_.concurrency) + " clients, " + config_.workload +
            " workload, nemesis " + (config_.nemesis.empty() ? "none" : config_.nemesis) + ", " +
            std::to_string(static_cast<int>(config_.time_limit_s)) + " s");
        try {
          clients.start();
          if (!kinds->empty()) driver.start();
          nap(std::chrono::nanoseconds(static_cast<int64_t>(config_.time_limit_s * 1e9)), interrupted_);
        } catch (const std::exception& e) {
          note_error(std::string("main phase: ") + e.what());
        }
        // ---- Heal, always, before joining the clients: one stuck on a paused node
        // returns only at its call timeout, and must not delay the heal.
        clients.stop();
        driver.stop();
        if (!kinds->empty()) {
          log("healing");
          if (auto s = driver.heal(); !s.ok()) note_error("heal: " + s.error().message);
        }
      }
      clients.join();
      if (interrupted_) {
        log("interrupted: the cluster is healed; checking what was recorded");
        interrupted_cap = Verdict::Unknown;
      }
      // ---- Quiesce and final reads.
      if (!interrupted_ && error.empty()) {
        nap(std::chrono::nanoseconds(static_cast<int64_t>(config_.quiesce_s * 1e9)), interrupted_);
        final_phase(*workload, target, names);
      }
      recorder_->sync();
      note_error(recorder_->error());
      // The controller's own CPU, so a user can see the harness is not the bottleneck.
      struct rusage usage {};
      ::getrusage(RUSAGE_SELF, &usage);
      const double cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
      const double wall_s = static_cast<double>(recorder_->now()) / 1e9;
      char cpu[128];
      std::snprintf(cpu, sizeof cpu, "controller CPU %.2f s over %.1f s (%.1f%% of one core)", cpu_s,
                    wall_s, wall_s > 0 ? 100 * cpu_s / wall_s : 0.0);
      log(std::to_string(recorder_->ops()) + " ops recorded; " + cpu);
    }
    // ---- Teardown: logs always; the servers stay only with --leave-running.
    if (reached) {
      if (auto s = target.teardown(*dir, config_.leave_running); !s.ok()) note_error(s.error().message);
    }

    if (recorder_ && error.empty()) {
      // ---- Check.
      auto results = check_run_dir(*dir);
      if (!results.ok()) {
        note_error(results.error().message);
      } else {
        std::cout << results->summary << std::flush;
        const Verdict verdict = checkers::combine(results->verdict, interrupted_cap);
        outcome.exit_code = checkers::exit_code(verdict);
        log("verdict: " + std::string(checkers::to_string(verdict)));
      }
    }
  }
  if (own_cluster_ && !config_.leave_running) {
    // The nemesis state file goes with the cluster: nothing is left to heal there.
    std::error_code ec;
    fs::remove(nemesis::state_path(cluster_dir_), ec);
    std::ostringstream progress;
    if (auto s = cluster::down(cluster_dir_, progress); !s.ok()) note_error("cluster down: " + s.error().message);
  }
  if (!error.empty()) {
    outcome.exit_code = 3;
    outcome.error = error;
  }
  // ---- Report: plots, report.html, results.xml, the store's index. Never changes the
  // verdict or the exit code; its problems are warnings, also in results.json.
  if (!outcome.dir.empty()) {
    const auto warnings = write_run_report(outcome.dir, error);
    for (const auto& w : warnings) log("report warning: " + w);
    log("report: " + (outcome.dir / "report.html").string());
  }
  return outcome;
}

}  // namespace

TestOutcome run_test(const RunConfig& config, const std::atomic<bool>& interrupted) {
  return TestRun(config, interrupted).run();
}

int run_tests(RunConfig config, int count, const std::atomic<bool>& interrupted) {
  if (config.seed == 0)
    config.seed = base::mix64(static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()));
  int worst = 0;
  std::vector<std::string> lines;
  for (int i = 0; i < count && !interrupted; ++i) {
    RunConfig one = config;
    one.seed = config.seed + static_cast<uint64_t>(i);
    TestOutcome outcome;
    try {
      outcome = run_test(one, interrupted);
    } catch (const std::exception& e) {
      outcome.exit_code = 3;
      outcome.error = e.what();
    }
    const char* word = outcome.exit_code == 0   ? "valid"
                       : outcome.exit_code == 1 ? "INVALID"
                       : outcome.exit_code == 2 ? "unknown"
                                                : "ERROR";
    std::string line = "test " + std::to_string(i + 1) + "/" + std::to_string(count) + " seed " +
                       std::to_string(one.seed) + ": " + word + " " + outcome.dir.string();
    if (!outcome.error.empty()) {
      line += "\n  error: " + outcome.error;
      std::fprintf(stderr, "error: %s\n", outcome.error.c_str());
    }
    lines.push_back(line);
    worst = worse_exit(worst, outcome.exit_code);
  }
  for (const auto& line : lines) std::printf("%s\n", line.c_str());
  return worst;
}

}  // namespace faultline::harness::runner
