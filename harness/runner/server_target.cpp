#include "harness/runner/server_target.h"

#include <chrono>
#include <thread>

#include "harness/control/quote.h"
#include "nemesis/clock.h"

namespace faultline::harness::runner {

namespace fs = std::filesystem;
using control::shell_join;
using control::shell_quote;

ServerTarget::ServerTarget(control::Pool& pool, std::vector<control::NodeSpec> nodes, ServerRecipe recipe)
    : pool_(pool), nodes_(std::move(nodes)), recipe_(std::move(recipe)) {}

std::string ServerTarget::start_command(size_t index) const {
  const auto argv = recipe_.start_argv(index);
  // Under libfaketime where the clock nemesis uses it: the server's wall clock (and so
  // its leases) follows the node's offset file; its monotonic clock stays real. `env`
  // execs the server, so the pid $! names is the server's.
  const std::string run = nodes_[index].clock == "faketime"
                              ? nemesis::faketime_command(nemesis::kDefaultOffsetFile, argv)
                              : shell_join(argv);
  std::string line = "cd " + shell_quote(recipe_.remote_dir) + " && " + run + " >>" +
                     shell_quote(recipe_.log_file) + " 2>&1 </dev/null &";
  if (!recipe_.server_writes_pidfile) line += " echo $! >" + shell_quote(recipe_.pidfile);
  return line;
}

std::string ServerTarget::stop_command() const {
  const std::string pidfile = shell_quote(recipe_.pidfile);
  return "p=$(cat " + pidfile + " 2>/dev/null) || exit 0; "
         "[ -n \"$p\" ] && tr '\\0' ' ' </proc/\"$p\"/cmdline 2>/dev/null | grep -qF -- " +
         shell_quote(recipe_.process_match) +
         " || exit 0; "
         "kill -TERM \"$p\" 2>/dev/null; "
         "for i in $(seq 40); do [ -d /proc/\"$p\" ] || exit 0; "
         "grep -q '^State:.*Z' /proc/\"$p\"/status 2>/dev/null && exit 0; sleep 0.05; done; "
         "kill -KILL \"$p\" 2>/dev/null; exit 0";
}

nemesis::ProcessSpec ServerTarget::process_spec() const {
  nemesis::ProcessSpec spec;
  spec.pidfile = recipe_.pidfile;
  // Each node's argv differs (--id), so setup saved every node's own start command in
  // start.sh there, and the nemesis restarts any node with the same line.
  spec.start_command = "sh " + shell_quote(recipe_.remote_dir + "/start.sh");
  spec.expect = recipe_.process_match;
  return spec;
}

std::unique_ptr<workloads::Client> ServerTarget::client(const std::string& node, uint64_t client_id,
                                                        std::chrono::milliseconds timeout) const {
  return recipe_.make_client(node, client_id, timeout);
}

std::optional<std::string> ServerTarget::leader() const {
  if (!recipe_.leader) return std::nullopt;
  return recipe_.leader();
}

std::vector<std::string> ServerTarget::shard_nodes() const {
  if (!recipe_.shard_nodes.empty()) return recipe_.shard_nodes;
  std::vector<std::string> names;
  for (const auto& node : nodes_) names.push_back(node.name);
  return names;
}

base::Status ServerTarget::on_all(const std::string& what,
                                  const std::function<base::Status(size_t index)>& step) {
  std::vector<std::string> names;
  for (const auto& node : nodes_) names.push_back(node.name);
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

std::string ServerTarget::log_tail(const std::string& node) {
  auto r = pool_.exec(node, "tail -n 20 " + shell_quote(recipe_.log_file) + " 2>/dev/null", 5000);
  return r.ok() ? r->out : std::string();
}

base::Status ServerTarget::setup(int64_t timeout_ms) {
  auto run = [&](size_t i, const std::string& command, int64_t timeout) -> base::Status {
    auto r = pool_.exec(nodes_[i].name, command, timeout);
    if (!r.ok()) return base::Error{r.error().message};
    if (r->exit_status != 0)
      return base::Error{"`" + command.substr(0, 80) + "` exited " + std::to_string(r->exit_status) +
                         ": " + r->err};
    return base::ok_status();
  };
  auto status = on_all("setup", [&](size_t i) -> base::Status {
    if (!recipe_.install_argv.empty())
      if (auto s = run(i, shell_join(recipe_.install_argv), 600'000); !s.ok()) return s;
    if (auto s = run(i, "mkdir -p " + shell_quote(recipe_.remote_dir), 10'000); !s.ok()) return s;
    if (auto s = run(i, stop_command(), 15'000); !s.ok()) return s;
    if (!recipe_.local_binary.empty())
      if (auto s = pool_.upload(nodes_[i].name, recipe_.local_binary, recipe_.remote_binary, 0755); !s.ok())
        return base::Error{"upload of " + recipe_.local_binary.string() + ": " + s.error().message};
    if (auto s = run(i, shell_join(recipe_.wipe_argv), 10'000); !s.ok()) return s;
    if (nodes_[i].clock == "faketime") {
      // The offset file must exist before a faked process starts; +0 to begin with.
      const std::string write = nemesis::offset_write_command(nemesis::kDefaultOffsetFile, "+0");
      if (auto s = run(i, write, 10'000); !s.ok()) return s;
    }
    const std::string script = recipe_.remote_dir + "/start.sh";
    const std::string save = "printf '%s\\n' " + shell_quote(start_command(i)) + " >" + shell_quote(script);
    if (auto s = run(i, save, 10'000); !s.ok()) return s;
    return run(i, "sh " + shell_quote(script), 10'000);
  });
  if (!status.ok()) return status;

  // Ready when the ready op goes through (for a replicated store: a leader is elected
  // and answers).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string last_error;
  for (size_t attempt = 0; std::chrono::steady_clock::now() < deadline; ++attempt) {
    const std::string& node = nodes_[attempt % nodes_.size()].name;
    auto client = recipe_.make_client(node, /*client_id=*/1'000'000'000 + attempt, std::chrono::milliseconds(1000));
    const auto done = client->invoke(recipe_.ready_op);
    if (done.type == history::OpType::Ok) return base::ok_status();
    last_error = node + ": " + done.error;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string logs;
  for (const auto& node : nodes_) logs += "\n--- " + node.name + " log tail ---\n" + log_tail(node.name);
  return base::Error{recipe_.name + " did not answer within " + std::to_string(timeout_ms / 1000) +
                     " s (last: " + last_error + ")" + logs};
}

base::Status ServerTarget::teardown(const fs::path& run_dir, bool leave_running) {
  return on_all("teardown", [&](size_t i) -> base::Status {
    const std::string& node = nodes_[i].name;
    std::string error;
    if (!leave_running) {
      auto r = pool_.exec(node, stop_command(), 15'000);
      if (!r.ok()) error = "stop: " + r.error().message;
    }
    std::error_code ec;
    fs::create_directories(run_dir / node, ec);
    if (auto s = pool_.download(node, recipe_.log_file, run_dir / node / (recipe_.name + ".log")); !s.ok())
      error += (error.empty() ? "" : "; ") + ("log: " + s.error().message);
    if (!error.empty()) return base::Error{error};
    return base::ok_status();
  });
}

}  // namespace faultline::harness::runner
