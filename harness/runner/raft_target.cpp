#include "harness/runner/raft_target.h"

#include <chrono>
#include <thread>

#include "harness/control/quote.h"
#include "nemesis/clock.h"
#include "targets/raft/client/client.h"

namespace faultline::harness::runner {

namespace fs = std::filesystem;
using control::shell_join;
using control::shell_quote;

RaftTarget::RaftTarget(control::Pool& pool, std::vector<control::NodeSpec> nodes,
                       const RunConfig& config, fs::path local_binary)
    : pool_(pool), nodes_(std::move(nodes)), config_(config), local_binary_(std::move(local_binary)) {
  options_.read_mode = config.read_mode;
  for (const auto& name : config.bugs) {
    if (auto bug = targets::raft::parse_bug(name)) options_.bugs.insert(*bug);
  }
  for (const auto& node : nodes_) deploy_nodes_.push_back({node.name, node.host});
}

std::vector<std::string> RaftTarget::node_names() const {
  std::vector<std::string> names;
  for (const auto& node : nodes_) names.push_back(node.name);
  return names;
}

std::map<std::string, std::string> RaftTarget::client_addresses() const {
  std::map<std::string, std::string> out;
  for (auto& [name, address] : targets::raft::deploy::RaftDeploy::client_addresses(deploy_nodes_, options_))
    out[name] = address;
  return out;
}

std::string RaftTarget::start_command(size_t index) const {
  const auto argv = deploy_.start_argv(deploy_nodes_, index, options_);
  // Under libfaketime where the clock nemesis uses it: the server's wall clock (and so
  // its leases) follows the node's offset file; its monotonic clock stays real.
  const std::string run = nodes_[index].clock == "faketime"
                              ? nemesis::faketime_command(nemesis::kDefaultOffsetFile, argv)
                              : shell_join(argv);
  return "cd " + shell_quote(deploy_.remote_dir) + " && " + run + " >>" +
         shell_quote(deploy_.log_file()) + " 2>&1 </dev/null &";
}

// Ends the server whose pid the pidfile holds, if it is ours (its command line names
// faultline-raft): SIGTERM, then SIGKILL after two seconds.
std::string RaftTarget::stop_command() const {
  const std::string pidfile = shell_quote(deploy_.pidfile());
  return "p=$(cat " + pidfile + " 2>/dev/null) || exit 0; "
         "[ -n \"$p\" ] && tr '\\0' ' ' </proc/\"$p\"/cmdline 2>/dev/null | grep -q faultline-raft || exit 0; "
         "kill -TERM \"$p\" 2>/dev/null; "
         "for i in $(seq 40); do [ -d /proc/\"$p\" ] || exit 0; "
         "grep -q '^State:.*Z' /proc/\"$p\"/status 2>/dev/null && exit 0; sleep 0.05; done; "
         "kill -KILL \"$p\" 2>/dev/null; exit 0";
}

nemesis::ProcessSpec RaftTarget::process_spec() const {
  nemesis::ProcessSpec spec;
  spec.pidfile = deploy_.pidfile();
  // Each node's argv differs (--id), so setup saved every node's own start command in
  // start.sh there, and the nemesis restarts any node with the same line.
  spec.start_command = "sh " + shell_quote(deploy_.remote_dir + "/start.sh");
  spec.expect = "faultline-raft";
  return spec;
}

base::Status RaftTarget::on_all(const std::string& what,
                                const std::function<base::Status(size_t index)>& step) {
  std::vector<std::string> names = node_names();
  const auto results = pool_.on_nodes(names, [&](const std::string& node) -> base::Status {
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i].name == node) return step(i);
    return base::Error{"unknown node " + node};
  });
  std::string errors;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok())
      errors += (errors.empty() ? "" : "; ") + what + " on " + names[i] + ": " + results[i].error().message;
  }
  if (!errors.empty()) return base::Error{errors};
  return base::ok_status();
}

std::string RaftTarget::log_tail(const std::string& node) {
  auto r = pool_.exec(node, "tail -n 20 " + shell_quote(deploy_.log_file()) + " 2>/dev/null", 5000);
  return r.ok() ? r->out : std::string();
}

base::Status RaftTarget::setup(int64_t timeout_ms) {
  auto run = [&](size_t i, const std::string& command, int64_t timeout) -> base::Status {
    auto r = pool_.exec(nodes_[i].name, command, timeout);
    if (!r.ok()) return base::Error{r.error().message};
    if (r->exit_status != 0)
      return base::Error{"`" + command.substr(0, 80) + "` exited " + std::to_string(r->exit_status) +
                         ": " + r->err};
    return base::ok_status();
  };
  auto status = on_all("setup", [&](size_t i) -> base::Status {
    if (auto s = run(i, "mkdir -p " + shell_quote(deploy_.remote_dir), 10'000); !s.ok()) return s;
    if (auto s = run(i, stop_command(), 15'000); !s.ok()) return s;
    if (auto s = pool_.upload(nodes_[i].name, local_binary_, deploy_.binary_path(), 0755); !s.ok())
      return base::Error{"upload of " + local_binary_.string() + ": " + s.error().message};
    if (auto s = run(i, shell_join(deploy_.wipe_argv()), 10'000); !s.ok()) return s;
    if (nodes_[i].clock == "faketime") {
      // The offset file must exist before a faked process starts; +0 to begin with.
      const std::string write = nemesis::offset_write_command(nemesis::kDefaultOffsetFile, "+0");
      if (auto s = run(i, write, 10'000); !s.ok()) return s;
    }
    // The node's own start command, saved so the nemesis restarts it the same way.
    const std::string script = deploy_.remote_dir + "/start.sh";
    const std::string save = "printf '%s\\n' " + shell_quote(start_command(i)) + " >" + shell_quote(script);
    if (auto s = run(i, save, 10'000); !s.ok()) return s;
    return run(i, "sh " + shell_quote(script), 10'000);
  });
  if (!status.ok()) return status;

  // Ready when a linearizable read goes through: a leader is elected and answers.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  targets::raft::client::RaftClient client(client_addresses(), /*client_id=*/1'000'000'000,
                                           std::chrono::milliseconds(1000));
  std::string last_error;
  while (std::chrono::steady_clock::now() < deadline) {
    targets::raft::Request get;
    get.kind = targets::raft::OpKind::Get;
    get.key = "faultline-ready";
    const auto outcome = client.call(get);
    if (outcome.type == targets::raft::client::OutcomeType::Ok) return base::ok_status();
    last_error = outcome.error;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string logs;
  for (const auto& node : nodes_) logs += "\n--- " + node.name + " log tail ---\n" + log_tail(node.name);
  return base::Error{"raft did not answer within " + std::to_string(timeout_ms / 1000) +
                     " s (last: " + last_error + ")" + logs};
}

base::Status RaftTarget::teardown(const fs::path& run_dir, bool leave_running) {
  return on_all("teardown", [&](size_t i) -> base::Status {
    const std::string& node = nodes_[i].name;
    std::string error;
    if (!leave_running) {
      auto r = pool_.exec(node, stop_command(), 15'000);
      if (!r.ok()) error = "stop: " + r.error().message;
    }
    std::error_code ec;
    fs::create_directories(run_dir / node, ec);
    if (auto s = pool_.download(node, deploy_.log_file(), run_dir / node / "raft.log"); !s.ok())
      error += (error.empty() ? "" : "; ") + ("log: " + s.error().message);
    if (!error.empty()) return base::Error{error};
    return base::ok_status();
  });
}

std::optional<std::string> RaftTarget::leader() const {
  targets::raft::client::RaftClient client(client_addresses(), /*client_id=*/1'000'000'001,
                                           std::chrono::milliseconds(500));
  targets::raft::Request get;
  get.kind = targets::raft::OpKind::Get;
  get.key = "faultline-leader";
  const auto outcome = client.call(get);
  if (outcome.type != targets::raft::client::OutcomeType::Ok || outcome.node.empty()) return std::nullopt;
  return outcome.node;
}

}  // namespace faultline::harness::runner
