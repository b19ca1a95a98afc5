#pragma once
// ServerIo: the I/O that every replicated key-value server shares (faultline-raft,
// faultline-zab): one EventLoop thread with the peer links (PeerTransport, peers named
// as in --peers), the client listener speaking the client protocol (kv.h in framing.h
// frames), which connection waits for which (client id, seq), the tick timer, and the
// loop that hands each batch of events to the target's server and then lets it drain
// its node (run its Readies, one fsync for the batch, STYLE.md §2). A target's server
// owns one and gives it the handlers that step its node; ServerOptions are the flags
// every server takes. Not thread-safe (the loop thread), except request_stop(), which
// is async-signal-safe.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/log.h"
#include "base/result.h"
#include "targets/common/event_loop.h"
#include "targets/common/kv.h"
#include "targets/common/peer_transport.h"
#include "targets/common/shell.h"

namespace faultline::targets::common {

struct HostPort {
  std::string host;
  uint16_t port = 0;
};
// "host:port" (the host may be empty: "" is then returned as the host).
base::Result<HostPort> parse_host_port(std::string_view text);
// "n1=HOST:PORT,n2=HOST:PORT,..." -> name -> address. Error: a malformed item or a
// name given twice.
base::Result<std::map<std::string, HostPort>> parse_peers(std::string_view text);

// What every target's server takes (main.cpp fills it from the common flags; each
// target's options add its own).
struct ServerOptions {
  std::string id;                       // this node's name, one of `peers`
  std::map<std::string, HostPort> peers;  // every member, this node included
  std::string client_host;              // empty: the host of this node's peer address
  uint16_t client_port = 0;             // 0: any free port (tests)
  std::string data_dir;
  int tick_ms = 10;
  int election_ticks = 10;  // the protocol's timeout, in ticks
  // With a planted "ack before persist" bug, the WAL is synced only by a timer this often.
  int flush_every_ms = 200;
};
// Error: the id is not a member, a tick or timeout out of range, no data dir.
base::Status validate(const ServerOptions& options);

// A seed that differs between nodes and between starts (election timeouts, the ZAB
// node's incarnation); servers log it.
uint64_t fresh_seed();

// A peer's message as the target's decoder made it, kept only if it decoded, names as
// its sender the member whose link carried it and is addressed to `self`; otherwise it
// is logged and dropped (nullopt).
template <class Message>
std::optional<Message> accept_peer_message(const std::string& self, const std::string& from,
                                           base::Result<Message> decoded) {
  if (!decoded) {
    FL_LOG(Warn, self << ": bad message from peer " << from << ": " << decoded.error().message);
    return std::nullopt;
  }
  if (decoded->from != from || decoded->to != self) {
    FL_LOG(Warn, self << ": message from " << decoded->from << " to " << decoded->to
                      << " on the link of peer " << from << " dropped");
    return std::nullopt;
  }
  return std::move(*decoded);
}

// A broken invariant: with no planted bug it is a bug in the target (FL_PANIC); with
// one it is the expected outcome, logged once while the node keeps serving.
class InvariantCheck {
 public:
  InvariantCheck(std::string id, bool bugs_planted) : id_(std::move(id)), bugs_planted_(bugs_planted) {}
  void operator()(const base::Status& invariants);

 private:
  std::string id_;
  bool bugs_planted_;
  bool reported_ = false;
};

class ServerIo {
 public:
  struct Handlers {
    // A frame from a peer's link; `from` is the member it identified itself as.
    std::function<void(const std::string& from, std::string payload)> peer_message;
    // A client's request; its reply goes back through reply() (now or later).
    std::function<void(const Request& request)> request;
    // Every --tick-ms.
    std::function<void()> tick;
  };

  // Listens on this node's peer address and client port and starts connecting to the
  // peers. Peer links are numbered by the position of the name in sorted order, so
  // every node given the same --peers agrees. Error: a port that cannot be bound.
  static base::Result<std::unique_ptr<ServerIo>> create(const ServerOptions& options, Handlers handlers);
  // Closes every link and connection; no handler runs afterwards.
  ~ServerIo();
  ServerIo(const ServerIo&) = delete;
  ServerIo& operator=(const ServerIo&) = delete;

  // Queues `payload` for member `to`; an unknown name (or this node) is dropped.
  void send(const std::string& to, std::string payload);
  // Sends each reply to the connection that asked for its (client id, seq), if it is
  // still open; a reply nobody waits for is dropped (the client retries elsewhere).
  void reply(const std::vector<Reply>& replies);
  // Runs fn every `period` on the loop thread (e.g. the planted bug's periodic flush).
  void every(std::chrono::milliseconds period, std::function<void()> fn);

  // Serves until request_stop(): runs `drain` once, then repeatedly waits for events (at
  // most a tick), handles all of them, and runs `drain` after each batch — so everything
  // one iteration received is in one Ready and one fsync.
  void run(const std::function<void()>& drain);
  // Async-signal-safe.
  void request_stop() { stop_.store(true); }

  // run() for a protocol node (KvNode, ZabNode): its drain runs the node's Readies in
  // durability order (shell.h: save and sync to `storage`, then send each message to
  // message.to as `encode(message)`, then apply) until one is empty — applying may make
  // more work (a snapshot, reads freed by a commit; the bound only guards against a
  // livelock bug) — calling `check` (invariants) and handing back the node's replies
  // after each, then `quiet` (e.g. logging a role change). `ack_before_persist`: the
  // planted bug; Readies are not synced, and a timer syncs `storage` every
  // flush_every_ms instead.
  template <class Node, class Ready, class Encode, class Check, class Quiet>
  void serve(Node& node, Storage<Ready>& storage, bool ack_before_persist, Encode&& encode, Check&& check,
             Quiet&& quiet) {
    if (ack_before_persist)
      every(std::chrono::milliseconds(options_.flush_every_ms), [&storage] { storage.sync(); });
    run([&] {
      for (int round = 0; round < 16; ++round) {
        const bool did = run_ready(node, storage, ack_before_persist,
                                   [&](const auto& message) { send(message.to, encode(message)); });
        check();
        reply(node.take_replies());
        if (!did) break;
      }
      quiet();
    });
  }

  uint16_t client_port() const { return client_port_; }
  uint16_t peer_port() const { return peer_port_; }

 private:
  ServerIo(const ServerOptions& options, Handlers handlers);
  base::Status start();
  void on_client_frame(Connection& conn, std::string frame);

  const std::string id_;
  const ServerOptions options_;
  Handlers handlers_;
  std::map<std::string, NodeId> peer_ids_;  // n1 -> 1, ... (sorted names)
  std::map<NodeId, std::string> peer_names_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<PeerTransport> transport_;
  uint16_t client_port_ = 0;
  uint16_t peer_port_ = 0;
  // Who waits for the reply to (client id, seq): a connection per request received.
  std::multimap<std::pair<uint64_t, uint64_t>, std::weak_ptr<Connection>> waiting_;
  std::map<uint64_t, ConnectionPtr> clients_;  // open client connections by id
  std::atomic<bool> stop_{false};
};

}  // namespace faultline::targets::common
