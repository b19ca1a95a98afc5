#include "targets/raft/server/server.h"

#include <chrono>
#include <random>

#include "base/log.h"
#include "base/random.h"
#include "targets/raft/core/wire.h"

namespace faultline::targets::raft::server {

base::Result<HostPort> parse_host_port(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return base::Error{"expected HOST:PORT, got '" + std::string(text) + "'"};
  HostPort out;
  out.host = std::string(text.substr(0, colon));
  const std::string port(text.substr(colon + 1));
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535)
    return base::Error{"bad port in '" + std::string(text) + "'"};
  out.port = static_cast<uint16_t>(std::stoul(port));
  return out;
}

base::Result<std::map<NodeId, HostPort>> parse_peers(std::string_view text) {
  std::map<NodeId, HostPort> peers;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return base::Error{"--peers: expected NAME=HOST:PORT, got '" + std::string(item) + "'"};
    auto address = parse_host_port(item.substr(eq + 1));
    if (!address) return base::Error{"--peers: " + address.error().message};
    if (address->host.empty())
      return base::Error{"--peers: no host in '" + std::string(item) + "'"};
    if (!peers.emplace(std::string(item.substr(0, eq)), *address).second)
      return base::Error{"--peers: " + std::string(item.substr(0, eq)) + " given twice"};
  }
  if (peers.empty()) return base::Error{"--peers: no peers"};
  return peers;
}

RaftServer::RaftServer(ServerOptions options) : options_(std::move(options)) {}

RaftServer::~RaftServer() {
  // The transport's links live on the loop: close them first.
  transport_.reset();
  clients_.clear();
  loop_.reset();
}

base::Result<std::unique_ptr<RaftServer>> RaftServer::create(ServerOptions options) {
  if (!options.peers.count(options.id))
    return base::Error{"--id " + options.id + " is not one of --peers"};
  if (options.tick_ms <= 0) return base::Error{"--tick-ms must be positive"};
  if (options.election_ticks < 2) return base::Error{"--election-ticks must be at least 2"};
  if (options.snapshot_every == 0) return base::Error{"--snapshot-every must be positive"};
  if (options.data_dir.empty()) return base::Error{"--data-dir is required"};
  std::unique_ptr<RaftServer> server(new RaftServer(std::move(options)));
  if (auto started = server->start(); !started) return started.error();
  return server;
}

base::Status RaftServer::start() {
  // Peer ids for the transport: the position of the name in sorted order, from 1. Every
  // node is given the same --peers, so they agree.
  common::NodeId next = 1;
  std::vector<NodeId> voters;
  for (const auto& [name, address] : options_.peers) {
    peer_ids_[name] = next;
    peer_names_[next] = name;
    voters.push_back(name);
    ++next;
  }

  auto storage = WalStorage::open(options_.data_dir, options_.fsync_commit);
  if (!storage) return storage.error();
  storage_ = std::move(*storage);
  const Durable& disk = storage_->durable();
  FL_LOG(Info, options_.id << ": recovered term " << disk.hard_state.term << " vote '"
                           << disk.hard_state.voted_for << "' commit " << disk.hard_state.commit
                           << ", snapshot at "
                           << (disk.snapshot ? disk.snapshot->meta.index : 0) << ", "
                           << disk.entries.size() << " entries from "
                           << storage_->records_replayed() << " WAL records"
                           << (storage_->recovery().truncated_bytes
                                   ? " (torn tail: " + storage_->recovery().truncated_reason + ")"
                                   : std::string()));

  Config config;
  config.id = options_.id;
  config.voters = voters;
  config.election_ticks = options_.election_ticks;
  configure_reads(config, options_.read_mode, int64_t{options_.tick_ms} * options_.election_ticks);
  config.bugs = options_.bugs;
  NodeOptions node_options;
  node_options.read_mode = options_.read_mode;
  node_options.snapshot_every = options_.snapshot_every;
  // Election timeouts must differ between nodes and between runs; the seed is logged.
  const uint64_t seed = base::mix64(
      (uint64_t{std::random_device{}()} << 32) ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  node_ = std::make_unique<KvNode>(config, node_options, disk, seed);
  FL_LOG(Info, options_.id << ": seed " << seed << ", read mode " << to_string(options_.read_mode)
                           << ", lease " << config.lease_ms << " ms");
  for (Bug bug : options_.bugs) FL_LOG(Warn, options_.id << ": planted bug " << to_string(bug));

  auto loop = common::EventLoop::create();
  if (!loop) return loop.error();
  loop_ = std::move(*loop);
  transport_ = std::make_unique<common::PeerTransport>(
      *loop_, peer_ids_.at(options_.id),
      [this](common::NodeId from, std::string payload) { on_peer_message(from, std::move(payload)); });
  const HostPort& self = options_.peers.at(options_.id);
  auto peer_port = transport_->listen(self.host, self.port);
  if (!peer_port) return peer_port.error();
  peer_port_ = *peer_port;
  for (const auto& [name, address] : options_.peers)
    if (name != options_.id) transport_->add_peer(peer_ids_.at(name), {address.host, address.port});

  const std::string client_host = options_.client_host.empty() ? self.host : options_.client_host;
  auto listener = loop_->listen(client_host, options_.client_port, [this](const common::ConnectionPtr& conn) {
    clients_[conn->id()] = conn;
    conn->on_frame([this](common::Connection& c, std::string frame) {
      on_client_frame(c, std::move(frame));
    });
    conn->on_close([this](common::Connection& c, const std::string&) {
      const uint64_t id = c.id();
      clients_.erase(id);
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        auto held = it->second.lock();
        it = (!held || held->id() == id) ? waiting_.erase(it) : std::next(it);
      }
    });
  });
  if (!listener) return listener.error();
  client_port_ = listener->port;
  FL_LOG(Info, options_.id << ": peers on " << self.host << ":" << peer_port_ << ", clients on "
                           << client_host << ":" << client_port_ << ", data in "
                           << options_.data_dir);
  return base::ok_status();
}

int64_t RaftServer::wall_ms() const {
  // The real-time clock on purpose: lease reads trust it, and the clock nemesis
  // (libfaketime, settime) moves exactly this clock.
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void RaftServer::on_peer_message(common::NodeId from, std::string payload) {
  auto message = decode_message(payload);
  if (!message) {
    FL_LOG(Warn, options_.id << ": bad message from peer " << from << ": "
                             << message.error().message);
    return;
  }
  auto name = peer_names_.find(from);
  if (name == peer_names_.end() || message->from != name->second || message->to != options_.id) {
    FL_LOG(Warn, options_.id << ": message from " << message->from << " to " << message->to
                             << " on the link of peer " << from << " dropped");
    return;
  }
  node_->set_wall_clock_ms(wall_ms());
  node_->step(*message);
}

void RaftServer::on_client_frame(common::Connection& conn, std::string frame) {
  auto request = decode_request(frame);
  if (!request) {
    FL_LOG(Warn, options_.id << ": bad request from " << conn.peer() << ": "
                             << request.error().message << "; closing");
    conn.close();
    return;
  }
  waiting_.emplace(std::make_pair(request->client_id, request->seq), conn.weak_from_this());
  node_->set_wall_clock_ms(wall_ms());
  node_->request(*request);
}

void RaftServer::on_tick() {
  node_->set_wall_clock_ms(wall_ms());
  node_->tick();
}

void RaftServer::run() {
  loop_->add_periodic(std::chrono::milliseconds(options_.tick_ms), [this] { on_tick(); });
  if (options_.bugs.count(Bug::AckBeforePersist)) {
    // The planted bug: run_ready skips the sync, and the buffer reaches the disk only
    // here, so a kill -9 loses up to this much acknowledged work.
    loop_->add_periodic(std::chrono::milliseconds(options_.flush_every_ms),
                        [this] { storage_->sync(); });
  }
  drain();
  while (!stop_.load()) {
    loop_->run_once(options_.tick_ms);
    // Everything this iteration received has been stepped: now one Ready, one fsync.
    drain();
  }
  storage_->sync_all();
  FL_LOG(Info, options_.id << ": stopped (term " << node_->raft().term() << ", commit "
                           << node_->raft().commit_index() << ", " << storage_->syncs_deferred()
                           << " commit-only syncs deferred, " << storage_->syncs() << " syncs)");
}

void RaftServer::drain() {
  // Applying may make more work (a compaction's snapshot, replies that free reads), so
  // loop until a Ready is empty; the bound only guards against a livelock bug.
  for (int round = 0; round < 16; ++round) {
    const bool did = run_ready(*node_, *storage_, [this](Message message) {
      auto to = peer_ids_.find(message.to);
      if (to != peer_ids_.end()) transport_->send(to->second, encode_message(message));
    });
    check_invariants();
    for (const Reply& reply : node_->take_replies()) {
      auto it = waiting_.find(std::make_pair(reply.client_id, reply.seq));
      if (it == waiting_.end()) continue;  // its connection closed
      auto conn = it->second.lock();
      waiting_.erase(it);
      if (conn && conn->is_open()) (void)conn->send(encode(reply));
    }
    if (!did) break;
  }
  log_role_change();
}

void RaftServer::check_invariants() {
  auto status = node_->raft().check_invariants();
  if (status) return;
  if (options_.bugs.empty())
    FL_PANIC(options_.id << ": invariant broken: " << status.error().message);
  if (!invariant_reported_) {
    // With a planted bug this is the expected outcome; say it once, keep serving.
    FL_LOG(Error, options_.id << ": invariant broken (planted bug): " << status.error().message);
    invariant_reported_ = true;
  }
}

void RaftServer::log_role_change() {
  const Raft& raft = node_->raft();
  if (raft.role() == last_role_ && raft.term() == last_term_ && raft.leader() == last_leader_)
    return;
  last_role_ = raft.role();
  last_term_ = raft.term();
  last_leader_ = raft.leader();
  FL_LOG(Info, options_.id << ": role " << to_string(last_role_) << " term " << last_term_
                           << " leader " << (last_leader_.empty() ? "?" : last_leader_)
                           << " commit " << raft.commit_index());
}

}  // namespace faultline::targets::raft::server
