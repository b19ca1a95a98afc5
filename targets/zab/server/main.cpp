// faultline-zab: one server of the ZAB key-value service that faultline tests. Parses
// the flags, writes the pidfile, serves until SIGTERM/SIGINT, removes the pidfile.
// Exit codes: 0 clean stop, 3 bad flags or a server that cannot start.

#include <CLI/CLI.hpp>

#include "targets/common/server_main.h"
#include "targets/zab/bugs.h"
#include "targets/zab/server/server.h"

using namespace faultline::targets;

int main(int argc, char** argv) {
  CLI::App app{"faultline-zab: a ZAB (ZooKeeper atomic broadcast) key-value server with "
               "switchable planted bugs"};
  common::ServerFlags flags;
  common::add_server_flags(app, flags, {"local", "sync"}, zab::all_bugs(),
                           "ticks of silence after which a follower (or a leader without a "
                           "quorum) starts a new election");
  if (auto code = common::parse_flags(app, argc, argv)) return *code;

  using zab::server::ZabServer;
  return common::serve<ZabServer>("faultline-zab", flags, [&](ZabServer::Options& options) {
    options.read_mode = *zab::parse_read_mode(flags.read_mode);
    options.bugs = common::parse_bugs(zab::all_bugs(), flags.bugs);
  });
}
