#include "targets/common/server_io.h"

#include <chrono>
#include <random>

#include "base/log.h"
#include "base/random.h"

namespace faultline::targets::common {

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

base::Result<std::map<std::string, HostPort>> parse_peers(std::string_view text) {
  std::map<std::string, HostPort> peers;
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

base::Status validate(const ServerOptions& options) {
  if (!options.peers.count(options.id))
    return base::Error{"--id " + options.id + " is not one of --peers"};
  if (options.tick_ms <= 0) return base::Error{"--tick-ms must be positive"};
  if (options.election_ticks < 2) return base::Error{"--election-ticks must be at least 2"};
  if (options.data_dir.empty()) return base::Error{"--data-dir is required"};
  if (options.flush_every_ms <= 0) return base::Error{"the flush period must be positive"};
  return base::ok_status();
}

uint64_t fresh_seed() {
  return base::mix64(
      (uint64_t{std::random_device{}()} << 32) ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
}

void InvariantCheck::operator()(const base::Status& invariants) {
  if (invariants) return;
  if (!bugs_planted_) FL_PANIC(id_ << ": invariant broken: " << invariants.error().message);
  if (reported_) return;
  FL_LOG(Error, id_ << ": invariant broken (planted bug): " << invariants.error().message);
  reported_ = true;
}

ServerIo::ServerIo(const ServerOptions& options, Handlers handlers)
    : id_(options.id), options_(options), handlers_(std::move(handlers)) {}

ServerIo::~ServerIo() {
  // The transport's links live on the loop: close them first.
  transport_.reset();
  clients_.clear();
  loop_.reset();
}

base::Result<std::unique_ptr<ServerIo>> ServerIo::create(const ServerOptions& options, Handlers handlers) {
  if (auto valid = validate(options); !valid) return valid.error();
  std::unique_ptr<ServerIo> io(new ServerIo(options, std::move(handlers)));
  if (auto started = io->start(); !started) return started.error();
  return io;
}

base::Status ServerIo::start() {
  NodeId next = 1;
  for (const auto& [name, address] : options_.peers) {
    peer_ids_[name] = next;
    peer_names_[next] = name;
    ++next;
  }
  auto loop = EventLoop::create();
  if (!loop) return loop.error();
  loop_ = std::move(*loop);
  transport_ = std::make_unique<PeerTransport>(
      *loop_, peer_ids_.at(id_), [this](NodeId from, std::string payload) {
        auto name = peer_names_.find(from);
        if (name == peer_names_.end()) {
          FL_LOG(Warn, id_ << ": message on the link of unknown peer " << from << " dropped");
          return;
        }
        handlers_.peer_message(name->second, std::move(payload));
      });
  const HostPort& self = options_.peers.at(id_);
  auto peer_port = transport_->listen(self.host, self.port);
  if (!peer_port) return peer_port.error();
  peer_port_ = *peer_port;
  for (const auto& [name, address] : options_.peers)
    if (name != id_) transport_->add_peer(peer_ids_.at(name), {address.host, address.port});

  const std::string client_host = options_.client_host.empty() ? self.host : options_.client_host;
  auto listener = loop_->listen(client_host, options_.client_port, [this](const ConnectionPtr& conn) {
    clients_[conn->id()] = conn;
    conn->on_frame([this](Connection& c, std::string frame) { on_client_frame(c, std::move(frame)); });
    conn->on_close([this](Connection& c, const std::string&) {
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
  FL_LOG(Info, id_ << ": peers on " << self.host << ":" << peer_port_ << ", clients on " << client_host
                   << ":" << client_port_ << ", data in " << options_.data_dir);
  return base::ok_status();
}

void ServerIo::on_client_frame(Connection& conn, std::string frame) {
  auto request = decode_request(frame);
  if (!request) {
    FL_LOG(Warn, id_ << ": bad request from " << conn.peer() << ": " << request.error().message
                     << "; closing");
    conn.close();
    return;
  }
  waiting_.emplace(std::make_pair(request->client_id, request->seq), conn.weak_from_this());
  handlers_.request(*request);
}

void ServerIo::send(const std::string& to, std::string payload) {
  auto id = peer_ids_.find(to);
  if (id != peer_ids_.end() && to != id_) transport_->send(id->second, std::move(payload));
}

void ServerIo::reply(const std::vector<Reply>& replies) {
  for (const Reply& reply : replies) {
    auto it = waiting_.find(std::make_pair(reply.client_id, reply.seq));
    if (it == waiting_.end()) continue;  // its connection closed
    auto conn = it->second.lock();
    waiting_.erase(it);
    if (conn && conn->is_open()) (void)conn->send(encode(reply));
  }
}

void ServerIo::every(std::chrono::milliseconds period, std::function<void()> fn) {
  loop_->add_periodic(period, std::move(fn));
}

void ServerIo::run(const std::function<void()>& drain) {
  loop_->add_periodic(std::chrono::milliseconds(options_.tick_ms), handlers_.tick);
  drain();
  while (!stop_.load()) {
    loop_->run_once(options_.tick_ms);
    // Everything this iteration received has been stepped: now one Ready, one fsync.
    drain();
  }
}

}  // namespace faultline::targets::common
