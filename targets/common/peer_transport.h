#pragma once
// PeerTransport: a node's message links to the other nodes of its cluster, on an
// EventLoop. Outbound, one TCP link per peer id that reconnects with exponential backoff
// whenever a connect fails or the link drops; inbound, every peer's link to us, whose
// frames go to one deliver callback with the sender's id (learnt from a hello frame).
// Delivery is best effort: messages are queued (bounded, oldest dropped) and lost when a
// link drops, because every protocol here retransmits for itself. Used by the target
// servers' I/O shells. Not thread-safe: the loop's thread only (post() to reach it).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/result.h"
#include "targets/common/event_loop.h"

namespace faultline::targets::common {

using NodeId = uint64_t;

struct PeerAddress {
  std::string host;
  uint16_t port = 0;
};

struct PeerTransportOptions {
  size_t max_queued = 1024;  // messages waiting per peer; beyond it the oldest is dropped
  // A link takes messages from the queue while its socket buffer holds less than this.
  size_t high_water_bytes = size_t{1} << 20;
  Duration min_backoff = std::chrono::milliseconds(50);
  Duration max_backoff = std::chrono::seconds(1);
  // A partitioned peer drops our SYNs; give up and retry after this long.
  Duration connect_timeout = std::chrono::seconds(1);
  // A link whose sent data stays unacknowledged this long is dropped and reconnected
  // (TCP_USER_TIMEOUT), so a partition that DROPs packets is noticed, and healed, in
  // seconds rather than after the kernel's minutes of retransmissions. 0: kernel default.
  Duration user_timeout = std::chrono::seconds(2);
};

struct PeerStats {
  bool connected = false;
  size_t queued = 0;              // waiting for the link (not counting its socket buffer)
  uint64_t sent = 0;              // handed to the link's connection
  uint64_t dropped = 0;           // pushed out of a full queue
  uint64_t connect_attempts = 0;
  uint64_t connect_failures = 0;  // failed or timed-out connects
  uint64_t disconnects = 0;       // links that were up and went down
};

class PeerTransport {
 public:
  using DeliverFn = std::function<void(NodeId from, std::string payload)>;

  // `loop` must outlive the transport. deliver runs on the loop thread for every frame
  // that a peer sends us, in the order that peer sent them on one link.
  PeerTransport(EventLoop& loop, NodeId self, DeliverFn deliver,
                PeerTransportOptions options = {});
  // Closes every link and the listener; no callback of this transport runs afterwards.
  ~PeerTransport();
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  // Accepts peers' links on host:port (0: any free port). Returns the bound port.
  base::Result<uint16_t> listen(const std::string& host, uint16_t port);
  // Adds (or re-addresses) a peer and starts connecting to it now.
  void add_peer(NodeId id, PeerAddress address);
  // Queues payload for peer `to` and sends it as soon as the link can take it. Never
  // blocks and never fails: an unknown peer or a full queue drops a message (the
  // oldest), counted in stats().
  void send(NodeId to, std::string payload);

  NodeId self() const { return self_; }
  bool connected(NodeId peer) const;
  PeerStats stats(NodeId peer) const;
  // Messages dropped because the peer id was unknown.
  uint64_t dropped_unknown_peer() const { return dropped_unknown_; }

 private:
  struct Link {
    PeerAddress address;
    ConnectionPtr conn;  // null while waiting to retry
    bool connected = false;
    std::deque<std::string> queue;
    Duration backoff{};
    EventLoop::TimerId retry_timer = 0;
    PeerStats stats;
  };
  struct Inbound {
    ConnectionPtr conn;
    bool identified = false;
    NodeId from = 0;
  };

  void connect_link(NodeId id);
  void link_down(NodeId id, const Connection* conn, bool was_connected);
  void pump(Link& link);
  void on_inbound_frame(uint64_t conn_id, std::string frame);

  EventLoop& loop_;
  NodeId self_;
  DeliverFn deliver_;
  PeerTransportOptions options_;
  std::map<NodeId, Link> links_;
  std::map<uint64_t, Inbound> inbound_;  // by connection id
  uint64_t listener_id_ = 0;
  bool listening_ = false;
  uint64_t dropped_unknown_ = 0;
  // Callbacks handed to the loop hold a weak_ptr to this and do nothing once it expired,
  // so a transport may be destroyed while its connections' callbacks are still queued.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// The first frame of every outbound link. Exposed for tests and tools.
std::string encode_peer_hello(NodeId self);
base::Result<NodeId> decode_peer_hello(std::string_view frame);

}  // namespace faultline::targets::common
