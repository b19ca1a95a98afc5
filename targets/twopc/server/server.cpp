#include "targets/twopc/server/server.h"

#include <algorithm>
#include <chrono>

#include "base/log.h"
#include "targets/twopc/core/wire.h"

namespace faultline::targets::twopc::server {

namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

base::Result<Topology> topology_of(const ServerOptions& options) {
  Topology t;
  t.coordinator = options.coordinator;
  if (!options.peers.count(t.coordinator))
    return base::Error{"--coordinator " + t.coordinator + " is not one of --peers"};
  t.participants = options.participants;
  if (t.participants.empty())
    for (const auto& [name, address] : options.peers)
      if (name != t.coordinator) t.participants.push_back(name);
  if (t.participants.empty()) return base::Error{"no participant: --peers names only the coordinator"};
  for (const auto& p : t.participants) {
    if (!options.peers.count(p) || p == t.coordinator)
      return base::Error{"--participants: " + p + " is not a member other than the coordinator"};
    if (std::count(t.participants.begin(), t.participants.end(), p) != 1)
      return base::Error{"--participants: " + p + " given twice"};
  }
  t.accounts = options.accounts;
  if (t.accounts < static_cast<int64_t>(t.participants.size()))
    return base::Error{"--accounts: at least one per participant, got " + std::to_string(t.accounts)};
  if (options.initial_balance < 0) return base::Error{"--initial-balance must not be negative"};
  t.initial_balance = options.initial_balance;
  return t;
}

TwoPcServer::TwoPcServer(ServerOptions options)
    : options_(std::move(options)), check_invariants_(options_.id, !options_.bugs.empty()) {}

TwoPcServer::~TwoPcServer() = default;

base::Result<std::unique_ptr<TwoPcServer>> TwoPcServer::create(ServerOptions options) {
  if (auto valid = common::validate(options); !valid) return valid.error();
  std::unique_ptr<TwoPcServer> server(new TwoPcServer(std::move(options)));
  if (auto started = server->start(); !started) return started.error();
  return server;
}

base::Status TwoPcServer::start() {
  auto topology = topology_of(options_);
  if (!topology) return topology.error();
  topology_ = std::move(*topology);
  const int64_t tick_ms = options_.tick_ms;
  const int64_t timeout_ms = options_.election_ticks * tick_ms;
  const int64_t resend_ms = std::max<int64_t>(1, options_.election_ticks / 3) * tick_ms;
  for (Bug bug : options_.bugs) FL_LOG(Warn, options_.id << ": planted bug " << twopc::to_string(bug));

  if (options_.id == topology_.coordinator) {
    auto wal = CoordinatorWal::open(options_.data_dir);
    if (!wal) return wal.error();
    coordinator_wal_ = std::move(*wal);
    const CoordinatorDurable disk = coordinator_wal_->take_recovered();
    CoordinatorConfig config{topology_, timeout_ms, resend_ms, options_.bugs};
    coordinator_ = std::make_unique<CoordinatorNode>(config, disk, wall_ms());
    FL_LOG(Info, options_.id << ": coordinator of " << topology_.participants.size() << " participants, "
                             << disk.commits.size() << " logged commits, " << coordinator_->core().running()
                             << " to finish, from " << common::describe(coordinator_wal_->recovery()));
    return listen(*coordinator_);
  }
  auto wal = ParticipantWal::open(options_.data_dir);
  if (!wal) return wal.error();
  participant_wal_ = std::move(*wal);
  const ParticipantDurable disk = participant_wal_->take_recovered();
  ParticipantConfig config{options_.id, topology_, resend_ms, 2 * timeout_ms, options_.bugs};
  participant_ = std::make_unique<ParticipantNode>(config, disk, wall_ms());
  FL_LOG(Info, options_.id << ": participant holding " << accounts_of(topology_, options_.id).size()
                           << " accounts, " << disk.txns.size() << " transactions, "
                           << participant_->core().in_doubt().size() << " in doubt, from "
                           << common::describe(participant_wal_->recovery()));
  return listen(*participant_);
}

template <class Node>
base::Status TwoPcServer::listen(Node& node) {
  common::ServerIo::Handlers handlers;
  handlers.peer_message = [this, &node](const std::string& from, std::string payload) {
    if (auto message = common::accept_peer_message(options_.id, from, decode_message(payload))) node.step(*message);
  };
  handlers.request = [&node](const common::Request& request) { node.request(request); };
  handlers.tick = [&node] { node.tick(wall_ms()); };
  auto io = common::ServerIo::create(options_, std::move(handlers));
  if (!io) return io.error();
  io_ = std::move(*io);
  return base::ok_status();
}

template <class Node, class Storage>
void TwoPcServer::serve(Node& node, Storage& storage) {
  io_->serve(
      node, storage, skips_sync(node), [](const Message& message) { return encode_message(message); },
      [this, &node] { check_invariants_(node.core().check_invariants()); }, [] {});
  storage.sync();
  FL_LOG(Info, options_.id << ": stopped (" << storage.syncs() << " syncs)");
}

void TwoPcServer::run() {
  if (coordinator_) {
    serve(*coordinator_, *coordinator_wal_);
  } else {
    serve(*participant_, *participant_wal_);
  }
}

}  // namespace faultline::targets::twopc::server
