#include "targets/zab/server/server.h"

#include <chrono>

#include "base/log.h"
#include "targets/zab/core/wire.h"

namespace faultline::targets::zab::server {

namespace {

std::string_view to_string(ServerState state) {
  switch (state) {
    case ServerState::Looking: return "looking";
    case ServerState::Following: return "following";
    case ServerState::Leading: return "leading";
  }
  return "?";
}

// "3:117": epoch and counter, as the zxid's two halves mean them.
std::string zxid_text(Zxid zxid) {
  return std::to_string(epoch_of(zxid)) + ":" + std::to_string(counter_of(zxid));
}

}  // namespace

ZabServer::ZabServer(ServerOptions options)
    : options_(std::move(options)), check_invariants_(options_.id, !options_.bugs.empty()) {}

ZabServer::~ZabServer() = default;

base::Result<std::unique_ptr<ZabServer>> ZabServer::create(ServerOptions options) {
  if (auto valid = common::validate(options); !valid) return valid.error();
  std::unique_ptr<ZabServer> server(new ZabServer(std::move(options)));
  if (auto started = server->start(); !started) return started.error();
  return server;
}

base::Status ZabServer::start() {
  auto storage = WalStorage::open(options_.data_dir);
  if (!storage) return storage.error();
  storage_ = std::move(*storage);
  Durable disk = storage_->take_recovered();
  FL_LOG(Info, options_.id << ": recovered acceptedEpoch " << disk.hard_state.accepted_epoch
                           << " currentEpoch " << disk.hard_state.current_epoch << ", "
                           << disk.history.size() << " transactions (last zxid "
                           << zxid_text(disk.history.empty() ? 0 : disk.history.back().zxid)
                           << ") from " << common::describe(storage_->recovery()));

  Config config;
  config.id = options_.id;
  for (const auto& [name, address] : options_.peers) config.voters.push_back(name);
  config.timeout_ticks = options_.election_ticks;
  // LOOKING servers re-send their votes a few times per timeout, as ZooKeeper's
  // notification interval is a fraction of its session timeouts.
  config.notify_ticks = std::max(1, options_.election_ticks / 3);
  config.bugs = options_.bugs;
  // The incarnation keeps sync markers of an earlier life of this server from
  // answering reads of this one (zab_node.h); it is logged.
  const uint64_t incarnation = common::fresh_seed();
  node_ = std::make_unique<ZabNode>(config, options_.read_mode, disk, incarnation);
  FL_LOG(Info, options_.id << ": incarnation " << incarnation << ", read mode "
                           << zab::to_string(options_.read_mode));
  for (Bug bug : options_.bugs) FL_LOG(Warn, options_.id << ": planted bug " << zab::to_string(bug));

  common::ServerIo::Handlers handlers;
  handlers.peer_message = [this](const std::string& from, std::string payload) {
    auto message = common::accept_peer_message(options_.id, from, decode_message(payload));
    if (!message) return;
    node_->step(*message);
  };
  handlers.request = [this](const common::Request& request) { node_->request(request); };
  handlers.tick = [this] { node_->tick(); };
  auto io = common::ServerIo::create(options_, std::move(handlers));
  if (!io) return io.error();
  io_ = std::move(*io);
  return base::ok_status();
}

void ZabServer::run() {
  io_->serve(
      *node_, *storage_, options_.bugs.count(Bug::AckBeforePersist) != 0,
      [](const Message& message) { return encode_message(message); },
      [this] { check_invariants_(node_->zab().check_invariants()); }, [this] { log_state_change(); });
  storage_->sync();
  const Zab& zab = node_->zab();
  FL_LOG(Info, options_.id << ": stopped (acceptedEpoch " << zab.hard_state().accepted_epoch
                           << ", last zxid " << zxid_text(zab.last_zxid()) << ", delivered "
                           << zxid_text(zab.delivered_zxid()) << ", " << storage_->syncs() << " syncs)");
}

void ZabServer::log_state_change() {
  const Zab& zab = node_->zab();
  if (zab.state() == last_state_ && zab.leader() == last_leader_ &&
      zab.hard_state().accepted_epoch == last_epoch_ && zab.broadcasting() == last_broadcasting_)
    return;
  last_state_ = zab.state();
  last_leader_ = zab.leader();
  last_epoch_ = zab.hard_state().accepted_epoch;
  last_broadcasting_ = zab.broadcasting();
  FL_LOG(Info, options_.id << ": " << to_string(last_state_) << " epoch " << last_epoch_ << " leader "
                           << (last_leader_.empty() ? "?" : last_leader_)
                           << (last_broadcasting_ ? " broadcasting" : "") << " last zxid "
                           << zxid_text(zab.last_zxid()) << " delivered "
                           << zxid_text(zab.delivered_zxid())
                           << (last_state_ == ServerState::Looking
                                   ? " (" + std::string(zab.looked_because()) + ")"
                                   : std::string()));
  // Once per establishment: a quorum synced with this leader in this epoch. Zab allows one
  // established leader per epoch (several prospective ones may log "leading"); the log
  // checker holds every node to that (harness/runner/raft_target.cpp, zab's leader line).
  if (zab.established())
    FL_LOG(Info, options_.id << ": established leader of epoch " << zab.leader_epoch());
}

}  // namespace faultline::targets::zab::server
