// faultline-raft: one node of the Raft key-value service that faultline tests. Parses
// the flags, writes the pidfile, serves until SIGTERM/SIGINT, removes the pidfile.
// Exit codes: 0 clean stop, 3 bad flags or a node that cannot start.

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/log.h"
#include "targets/raft/bugs.h"
#include "targets/raft/server/server.h"

namespace {

using namespace faultline::targets::raft;

server::RaftServer* g_server = nullptr;  // for the signal handler only

extern "C" void on_signal(int) {
  if (g_server) g_server->request_stop();
}

std::string bug_help() {
  std::string text = "planted bug to switch on (repeatable):";
  for (const auto& info : all_bugs())
    text += "\n  " + std::string(info.name) + ": " + std::string(info.anomaly);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"faultline-raft: a Raft key-value node with switchable planted bugs"};
  std::string id, peers, data_dir, read_mode = "read-index", client_host, pidfile;
  std::vector<std::string> bugs;
  int client_port = 0, tick_ms = 10, election_ticks = 10;
  uint64_t snapshot_every = 10000;
  app.add_option("--id", id, "this node's name, one of --peers")->required();
  app.add_option("--peers", peers, "every member: n1=HOST:PORT,n2=HOST:PORT,...")->required();
  app.add_option("--client-port", client_port, "port for client requests")->required();
  app.add_option("--data-dir", data_dir, "WAL and snapshot directory")->required();
  app.add_option("--read-mode", read_mode, "log | read-index | lease")
      ->check(CLI::IsMember({"log", "read-index", "lease"}))
      ->capture_default_str();
  std::vector<std::string> bug_names;
  for (const auto& info : all_bugs()) bug_names.emplace_back(info.name);
  app.add_option("--bug", bugs, bug_help())->check(CLI::IsMember(bug_names));
  app.add_option("--tick-ms", tick_ms, "milliseconds per Raft tick")->capture_default_str();
  app.add_option("--election-ticks", election_ticks, "election timeout in ticks (drawn from [n, 2n))")
      ->capture_default_str();
  app.add_option("--snapshot-every", snapshot_every, "compact after this many applied entries")
      ->capture_default_str();
  app.add_option("--client-host", client_host,
                 "address for clients (default: the host of this node's --peers entry)");
  app.add_option("--pidfile", pidfile, "written at start, removed on a clean exit");
  bool fsync_commit = false;
  app.add_flag("--fsync-commit", fsync_commit,
               "also fsync when only the commit index advanced (slower, no safer: the "
               "commit index is volatile in Raft; a benchmark baseline)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 3;
  }

  server::ServerOptions options;
  options.id = id;
  auto parsed = server::parse_peers(peers);
  if (!parsed) {
    std::cerr << "faultline-raft: " << parsed.error().message << "\n";
    return 3;
  }
  options.peers = *parsed;
  if (client_port < 0 || client_port > 65535) {
    std::cerr << "faultline-raft: --client-port out of range\n";
    return 3;
  }
  options.client_port = static_cast<uint16_t>(client_port);
  options.client_host = client_host;
  options.data_dir = data_dir;
  options.read_mode = *parse_read_mode(read_mode);
  for (const auto& name : bugs) options.bugs.insert(*parse_bug(name));
  options.tick_ms = tick_ms;
  options.election_ticks = election_ticks;
  options.snapshot_every = snapshot_every;
  options.fsync_commit = fsync_commit;

  auto created = server::RaftServer::create(options);
  if (!created) {
    std::cerr << "faultline-raft: " << created.error().message << "\n";
    return 3;
  }
  auto& node = *created;
  if (!pidfile.empty()) {
    std::ofstream out(pidfile, std::ios::trunc);
    out << ::getpid() << "\n";
    if (!out.flush()) {
      std::cerr << "faultline-raft: cannot write pidfile " << pidfile << "\n";
      return 3;
    }
  }
  g_server = node.get();
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  node->run();
  g_server = nullptr;
  node.reset();
  if (!pidfile.empty()) {
    std::error_code ec;
    std::filesystem::remove(pidfile, ec);
  }
  return 0;
}
