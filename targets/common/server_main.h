#pragma once
// The command line and the life of every target's server binary (faultline-raft,
// faultline-zab): the flags they all take (--id, --peers, --client-port, --client-host,
// --data-dir, --pidfile, --read-mode, --bug NAME..., --tick-ms, --election-ticks), and
// serve(): log lines with timestamps, write the pidfile, stop cleanly on SIGTERM/SIGINT,
// remove the pidfile.
// Exit codes: 0 clean stop, 3 bad flags or a node that cannot start. Called from main
// only (it installs signal handlers); not thread-safe.

#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/log.h"
#include "base/result.h"
#include "targets/common/bug_table.h"
#include "targets/common/server_io.h"

namespace faultline::targets::common {

// The common flags as typed; server_options() checks and converts them.
struct ServerFlags {
  std::string id, peers, client_host, data_dir, pidfile;
  std::string read_mode;  // the default is the target's first read mode
  std::vector<std::string> bugs;
  int client_port = 0;
  int tick_ms = 10;
  int election_ticks = 10;
};

// Adds the common flags to `app`. `read_modes`: the target's --read-mode values, the
// first the default; `bugs`: its planted bugs, listed with their anomaly in --help.
template <class Bug>
void add_server_flags(CLI::App& app, ServerFlags& flags, const std::vector<std::string>& read_modes,
                      const std::vector<BugInfo<Bug>>& bugs, std::string_view election_help) {
  flags.read_mode = read_modes.at(0);
  app.add_option("--id", flags.id, "this node's name, one of --peers")->required();
  app.add_option("--peers", flags.peers, "every member: n1=HOST:PORT,n2=HOST:PORT,...")->required();
  app.add_option("--client-port", flags.client_port, "port for client requests")->required();
  app.add_option("--client-host", flags.client_host,
                 "address for clients (default: the host of this node's --peers entry)");
  app.add_option("--data-dir", flags.data_dir, "the node's durable state (WAL, and snapshots if any)")
      ->required();
  app.add_option("--pidfile", flags.pidfile, "written at start, removed on a clean exit");
  std::string modes;
  for (const auto& mode : read_modes) modes += (modes.empty() ? "" : " | ") + mode;
  app.add_option("--read-mode", flags.read_mode, modes)->check(CLI::IsMember(read_modes))->capture_default_str();
  std::vector<std::string> names;
  std::string help = "planted bug to switch on (repeatable):";
  for (const auto& info : bugs) {
    names.emplace_back(info.name);
    help += "\n  " + std::string(info.name) + ": " + std::string(info.anomaly);
  }
  app.add_option("--bug", flags.bugs, help)->check(CLI::IsMember(names));
  app.add_option("--tick-ms", flags.tick_ms, "milliseconds per protocol tick")->capture_default_str();
  app.add_option("--election-ticks", flags.election_ticks, std::string(election_help))->capture_default_str();
}

// Parses the command line. nullopt: go on; otherwise the exit code (0 after --help,
// 3 after an error, which CLI11 has printed).
std::optional<int> parse_flags(CLI::App& app, int argc, char** argv);

// The common ServerOptions from the flags. Error: malformed --peers, a port out of range.
base::Result<ServerOptions> server_options(const ServerFlags& flags);

// Typed planted bugs from their --bug spellings (checked by the flag already).
template <class Bug>
std::set<Bug> parse_bugs(const std::vector<BugInfo<Bug>>& table, const std::vector<std::string>& names) {
  std::set<Bug> out;
  for (const auto& name : names)
    if (auto bug = find_bug(table, name)) out.insert(*bug);
  return out;
}

namespace detail {
bool write_pidfile(const std::string& pidfile);
void remove_pidfile(const std::string& pidfile);
void on_stop_signals(void (*handler)(int));
}  // namespace detail

// The life of a server: builds its options from the common flags, lets `fill` add the
// target's own (read mode, bugs, ...), creates it with `Server::create(options)`, writes
// the pidfile, runs `server->run()` until SIGTERM or SIGINT calls
// `server->request_stop()` (which must be async-signal-safe), destroys the server (so
// its WAL is closed), and removes the pidfile. Returns the exit code; errors go to
// stderr prefixed with `program`.
template <class Server, class Fill>
int serve(std::string_view program, const ServerFlags& flags, Fill&& fill) {
  // Node logs are read after the run on the run's timeline (the log checker dates the
  // first anomaly), so every line carries its wall-clock time.
  base::set_log_timestamps(true);
  auto common_options = server_options(flags);
  if (!common_options) {
    std::cerr << program << ": " << common_options.error().message << "\n";
    return 3;
  }
  typename Server::Options options;
  static_cast<ServerOptions&>(options) = std::move(*common_options);
  fill(options);
  auto created = Server::create(std::move(options));
  if (!created) {
    std::cerr << program << ": " << created.error().message << "\n";
    return 3;
  }
  std::unique_ptr<Server> server = std::move(*created);
  if (!flags.pidfile.empty() && !detail::write_pidfile(flags.pidfile)) {
    std::cerr << program << ": cannot write pidfile " << flags.pidfile << "\n";
    return 3;
  }
  static Server* running = nullptr;  // for the signal handler only
  running = server.get();
  detail::on_stop_signals([](int) {
    if (running) running->request_stop();
  });
  server->run();
  running = nullptr;
  server.reset();
  if (!flags.pidfile.empty()) detail::remove_pidfile(flags.pidfile);
  return 0;
}

}  // namespace faultline::targets::common
