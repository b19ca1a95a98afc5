// faultline-raft: one node of the Raft key-value service that faultline tests. Parses
// the flags, writes the pidfile, serves until SIGTERM/SIGINT, removes the pidfile.
// Exit codes: 0 clean stop, 3 bad flags or a node that cannot start.

#include <CLI/CLI.hpp>

#include "targets/common/server_main.h"
#include "targets/raft/bugs.h"
#include "targets/raft/server/server.h"

using namespace faultline::targets;

int main(int argc, char** argv) {
  CLI::App app{"faultline-raft: a Raft key-value node with switchable planted bugs"};
  common::ServerFlags flags;
  common::add_server_flags(app, flags, {"read-index", "log", "lease"}, raft::all_bugs(),
                           "election timeout in ticks (drawn from [n, 2n))");
  uint64_t snapshot_every = 10000;
  app.add_option("--snapshot-every", snapshot_every, "compact after this many applied entries")
      ->capture_default_str();
  size_t max_entries_per_message = raft::Config{}.max_entries_per_message;
  app.add_option("--max-entries-per-message", max_entries_per_message,
                 "most log entries one AppendEntries carries (1: one at a time, so a new "
                 "leader's catch-up of a lagging follower takes one round trip per entry)")
      ->capture_default_str();
  bool fsync_commit = false;
  app.add_flag("--fsync-commit", fsync_commit,
               "also fsync when only the commit index advanced (slower, no safer: the "
               "commit index is volatile in Raft; a benchmark baseline)");
  if (auto code = common::parse_flags(app, argc, argv)) return *code;

  using raft::server::RaftServer;
  return common::serve<RaftServer>("faultline-raft", flags, [&](RaftServer::Options& options) {
    options.read_mode = *raft::parse_read_mode(flags.read_mode);
    options.bugs = common::parse_bugs(raft::all_bugs(), flags.bugs);
    options.snapshot_every = snapshot_every;
    options.fsync_commit = fsync_commit;
    options.max_entries_per_message = max_entries_per_message;
  });
}
