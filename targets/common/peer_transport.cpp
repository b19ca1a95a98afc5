// Outbound links with reconnect/backoff and a bounded queue; inbound links identified by
// a hello frame (peer_transport.h).

#include "targets/common/peer_transport.h"

#include <algorithm>

#include "base/log.h"
#include "targets/common/codec.h"

namespace faultline::targets::common {
namespace {

constexpr std::string_view kHelloMagic = "faultline-peer-hello/1";

}  // namespace

std::string encode_peer_hello(NodeId self) {
  Encoder e;
  e.put_string(kHelloMagic);
  e.put_u64(self);
  return e.take();
}

base::Result<NodeId> decode_peer_hello(std::string_view frame) {
  Decoder d(frame);
  std::string_view magic;
  NodeId id = 0;
  if (!d.get_bytes_view(magic) || !d.get_u64(id)) return d.status().error();
  if (auto s = d.finish(); !s.ok()) return s.error();
  if (magic != kHelloMagic) return base::Error{"not a peer hello frame"};
  return id;
}

PeerTransport::PeerTransport(EventLoop& loop, NodeId self, DeliverFn deliver,
                             PeerTransportOptions options)
    : loop_(loop), self_(self), deliver_(std::move(deliver)), options_(options) {}

PeerTransport::~PeerTransport() {
  alive_.reset();
  if (listening_) loop_.close_listener(listener_id_);
  for (auto& [id, link] : links_) {
    if (link.retry_timer != 0) loop_.cancel_timer(link.retry_timer);
    if (link.conn) link.conn->close();
  }
  for (auto& [id, in] : inbound_) in.conn->close();
}

base::Result<uint16_t> PeerTransport::listen(const std::string& host, uint16_t port) {
  std::weak_ptr<int> alive = alive_;
  auto listener = loop_.listen(host, port, [this, alive](const ConnectionPtr& conn) {
    if (alive.expired()) {
      conn->close();
      return;
    }
    const uint64_t conn_id = conn->id();
    inbound_[conn_id] = Inbound{conn, false, 0};
    conn->on_frame([this, alive, conn_id](Connection&, std::string frame) {
      if (!alive.expired()) on_inbound_frame(conn_id, std::move(frame));
    });
    conn->on_close([this, alive, conn_id](Connection&, const std::string&) {
      if (!alive.expired()) inbound_.erase(conn_id);
    });
  });
  if (!listener.ok()) return listener.error();
  listener_id_ = listener->id;
  listening_ = true;
  return listener->port;
}

void PeerTransport::on_inbound_frame(uint64_t conn_id, std::string frame) {
  auto it = inbound_.find(conn_id);
  if (it == inbound_.end()) return;
  Inbound& in = it->second;
  if (in.identified) {
    deliver_(in.from, std::move(frame));
    return;
  }
  auto from = decode_peer_hello(frame);
  if (!from.ok()) {
    FL_LOG(Warn, "node " << self_ << ": closing inbound link from " << in.conn->peer()
                         << ": bad hello: " << from.error().message);
    in.conn->close();
    return;
  }
  in.identified = true;
  in.from = *from;
}

void PeerTransport::add_peer(NodeId id, PeerAddress address) {
  Link& link = links_[id];
  link.address = std::move(address);
  link.backoff = options_.min_backoff;
  if (link.retry_timer != 0) {
    loop_.cancel_timer(link.retry_timer);
    link.retry_timer = 0;
  }
  if (link.conn) {
    // Re-addressed: drop the old link without treating it as a failure.
    ConnectionPtr old = std::move(link.conn);
    link.connected = false;
    old->on_close(nullptr);
    old->close();
  }
  connect_link(id);
}

void PeerTransport::connect_link(NodeId id) {
  auto it = links_.find(id);
  if (it == links_.end()) return;
  Link& link = it->second;
  link.retry_timer = 0;
  ++link.stats.connect_attempts;
  std::weak_ptr<int> alive = alive_;
  link.conn = loop_.connect(
      link.address.host, link.address.port,
      [this, alive, id](const ConnectionPtr& conn) {
        if (alive.expired()) return;
        auto it = links_.find(id);
        if (it == links_.end() || it->second.conn != conn) return;
        Link& link = it->second;
        link.connected = true;
        link.backoff = options_.min_backoff;
        if (options_.user_timeout > Duration::zero()) {
          if (auto set = conn->set_user_timeout(options_.user_timeout); !set)
            FL_LOG(Warn, "node " << self_ << ": " << set.error().message);
        }
        conn->on_close([this, alive, id](Connection& c, const std::string&) {
          if (!alive.expired()) link_down(id, &c, /*was_connected=*/true);
        });
        conn->on_drained([this, alive, id](Connection&) {
          if (alive.expired()) return;
          auto it = links_.find(id);
          if (it != links_.end()) pump(it->second);
        });
        // Outbound links carry our messages only; anything the peer sends back is noise.
        conn->on_frame([](Connection&, std::string) {});
        (void)conn->send(encode_peer_hello(self_));
        pump(link);
      },
      [this, alive, id](const ConnectionPtr& conn, const std::string& reason) {
        if (alive.expired()) return;
        FL_LOG(Debug, "node " << self_ << ": connect to peer " << id << " (" << conn->peer()
                              << ") failed: " << reason);
        link_down(id, conn.get(), /*was_connected=*/false);
      },
      options_.connect_timeout);
}

void PeerTransport::link_down(NodeId id, const Connection* conn, bool was_connected) {
  auto it = links_.find(id);
  if (it == links_.end() || it->second.conn.get() != conn) return;  // a replaced link
  Link& link = it->second;
  link.conn = nullptr;
  link.connected = false;
  if (was_connected) {
    ++link.stats.disconnects;
  } else {
    ++link.stats.connect_failures;
  }
  std::weak_ptr<int> alive = alive_;
  link.retry_timer = loop_.add_timer(link.backoff, [this, alive, id] {
    if (!alive.expired()) connect_link(id);
  });
  link.backoff = std::min(link.backoff * 2, options_.max_backoff);
}

void PeerTransport::send(NodeId to, std::string payload) {
  auto it = links_.find(to);
  if (it == links_.end()) {
    ++dropped_unknown_;
    return;
  }
  Link& link = it->second;
  link.queue.push_back(std::move(payload));
  if (link.queue.size() > options_.max_queued) {
    link.queue.pop_front();
    ++link.stats.dropped;
  }
  pump(link);
}

void PeerTransport::pump(Link& link) {
  while (link.connected && link.conn->is_open() && !link.queue.empty() &&
         link.conn->send_buffered() < options_.high_water_bytes) {
    // An error means the link just closed (its on_close will follow) or the message is
    // over the frame limit; either way this message is lost, as the contract allows.
    (void)link.conn->send(link.queue.front());
    link.queue.pop_front();
    ++link.stats.sent;
  }
}

bool PeerTransport::connected(NodeId peer) const {
  auto it = links_.find(peer);
  return it != links_.end() && it->second.connected;
}

PeerStats PeerTransport::stats(NodeId peer) const {
  auto it = links_.find(peer);
  if (it == links_.end()) return PeerStats{};
  PeerStats s = it->second.stats;
  s.connected = it->second.connected;
  s.queued = it->second.queue.size();
  return s;
}

}  // namespace faultline::targets::common
