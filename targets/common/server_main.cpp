#include "targets/common/server_main.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace faultline::targets::common {

std::optional<int> parse_flags(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 3;
  }
  return std::nullopt;
}

base::Result<ServerOptions> server_options(const ServerFlags& flags) {
  ServerOptions options;
  options.id = flags.id;
  auto peers = parse_peers(flags.peers);
  if (!peers) return peers.error();
  options.peers = std::move(*peers);
  if (flags.client_port < 0 || flags.client_port > 65535)
    return base::Error{"--client-port out of range"};
  options.client_port = static_cast<uint16_t>(flags.client_port);
  options.client_host = flags.client_host;
  options.data_dir = flags.data_dir;
  options.tick_ms = flags.tick_ms;
  options.election_ticks = flags.election_ticks;
  return options;
}

namespace detail {

bool write_pidfile(const std::string& pidfile) {
  std::ofstream out(pidfile, std::ios::trunc);
  out << ::getpid() << "\n";
  return static_cast<bool>(out.flush());
}

void remove_pidfile(const std::string& pidfile) {
  std::error_code ec;
  std::filesystem::remove(pidfile, ec);
}

void on_stop_signals(void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace detail

}  // namespace faultline::targets::common
