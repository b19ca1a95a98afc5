// faultline-twopc: one node of the two-phase-commit bank that faultline tests, the
// coordinator or a participant (--coordinator names the coordinator; every other member
// of --peers is a participant). Parses the flags, writes the pidfile, serves until
// SIGTERM/SIGINT, removes the pidfile. Exit codes: 0 clean stop, 3 bad flags or a node
// that cannot start.

#include <CLI/CLI.hpp>

#include "targets/common/server_main.h"
#include "targets/twopc/bugs.h"
#include "targets/twopc/server/server.h"

using namespace faultline::targets;

int main(int argc, char** argv) {
  CLI::App app{"faultline-twopc: a bank of accounts sharded across participants, with a "
               "two-phase-commit coordinator (presumed abort) and switchable planted bugs"};
  common::ServerFlags flags;
  // The one read of the bank is the read-all transaction; --read-mode is accepted so that
  // every target's server takes the same common flags.
  common::add_server_flags(app, flags, {"read-all"}, twopc::all_bugs(),
                           "ticks the coordinator waits for every vote before it aborts "
                           "(re-sends and in-doubt queries every third of it)");
  twopc::server::ServerOptions bank;
  app.add_option("--coordinator", bank.coordinator, "the member that coordinates")->required();
  app.add_option("--participants", bank.participants,
                 "the participants in shard order: account a lives on the (a mod N)-th "
                 "(default: every other member, sorted by name)")
      ->delimiter(',');
  app.add_option("--accounts", bank.accounts, "accounts 0 .. N-1")->capture_default_str();
  app.add_option("--initial-balance", bank.initial_balance, "every account's balance at the start")
      ->capture_default_str();
  if (auto code = common::parse_flags(app, argc, argv)) return *code;

  using twopc::server::TwoPcServer;
  return common::serve<TwoPcServer>("faultline-twopc", flags, [&](TwoPcServer::Options& options) {
    options.coordinator = bank.coordinator;
    options.participants = bank.participants;
    options.accounts = bank.accounts;
    options.initial_balance = bank.initial_balance;
    options.bugs = common::parse_bugs(twopc::all_bugs(), flags.bugs);
  });
}
