#pragma once
// RaftServer: the I/O shell of one faultline-raft node. It owns one EventLoop thread
// with the peer links (common::PeerTransport), the client listener and the tick timer,
// and drives a KvNode exactly as the simulator does: set the wall clock, then
// step/tick/request for every event of one loop iteration, then run_ready until the
// node is quiet (group commit: one fsync covers the whole batch), then hand the replies
// back. main.cpp parses the flags into ServerOptions. Not thread-safe, except
// request_stop(), which is async-signal-safe.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "base/result.h"
#include "targets/common/event_loop.h"
#include "targets/common/peer_transport.h"
#include "targets/raft/core/kv_node.h"
#include "targets/raft/server/wal_storage.h"

namespace faultline::targets::raft::server {

struct HostPort {
  std::string host;
  uint16_t port = 0;
};
// "host:port" (the host may be empty: "" is then returned as the host).
base::Result<HostPort> parse_host_port(std::string_view text);
// "n1=HOST:PORT,n2=HOST:PORT,..." -> name -> address. Error: a malformed item or a
// name given twice.
base::Result<std::map<NodeId, HostPort>> parse_peers(std::string_view text);

struct ServerOptions {
  NodeId id;
  std::map<NodeId, HostPort> peers;  // every member, this node included
  std::string client_host;           // empty: the host of this node's peer address
  uint16_t client_port = 0;          // 0: any free port (tests)
  std::string data_dir;
  ReadMode read_mode = ReadMode::ReadIndex;
  Bugs bugs;
  int tick_ms = 10;
  int election_ticks = 10;
  Index snapshot_every = 10000;
  // With the planted AckBeforePersist, the WAL is synced only by this timer.
  int flush_every_ms = 200;
  // Also fsync Readies that only advance the commit index (WalStorage): slower and no
  // safer; the benchmark's baseline.
  bool fsync_commit = false;
};

class RaftServer {
 public:
  // Recovers the node from the data dir, listens on the peer and client ports.
  // Error: bad options, a corrupt data dir, a port that cannot be bound.
  static base::Result<std::unique_ptr<RaftServer>> create(ServerOptions options);
  ~RaftServer();

  // Serves until request_stop(); then returns after syncing the WAL.
  void run();
  // Async-signal-safe.
  void request_stop() { stop_.store(true); }

  uint16_t client_port() const { return client_port_; }
  uint16_t peer_port() const { return peer_port_; }

 private:
  explicit RaftServer(ServerOptions options);
  base::Status start();
  void on_peer_message(common::NodeId from, std::string payload);
  void on_client_frame(common::Connection& conn, std::string frame);
  void on_tick();
  int64_t wall_ms() const;
  // Runs Readies until the node has nothing more to do, then delivers the replies.
  void drain();
  void check_invariants();
  void log_role_change();

  ServerOptions options_;
  std::map<NodeId, common::NodeId> peer_ids_;  // n1 -> 1, ... (sorted names)
  std::map<common::NodeId, NodeId> peer_names_;
  std::unique_ptr<common::EventLoop> loop_;
  std::unique_ptr<common::PeerTransport> transport_;
  std::unique_ptr<WalStorage> storage_;
  std::unique_ptr<KvNode> node_;
  uint16_t client_port_ = 0;
  uint16_t peer_port_ = 0;
  // Who waits for the reply to (client id, seq): a connection per request received.
  std::multimap<std::pair<uint64_t, uint64_t>, std::weak_ptr<common::Connection>> waiting_;
  std::map<uint64_t, common::ConnectionPtr> clients_;  // open client connections by id
  bool dirty_ = false;
  bool invariant_reported_ = false;
  Role last_role_ = Role::Follower;
  Term last_term_ = 0;
  NodeId last_leader_;
  std::atomic<bool> stop_{false};
};

}  // namespace faultline::targets::raft::server
