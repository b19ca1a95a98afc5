#pragma once
// ZabServer: the I/O shell of one faultline-zab server. It drives a ZabNode exactly as
// the simulator does, on the shared server I/O (common::ServerIo: one EventLoop thread
// with the peer links, the client listener and the tick timer): step/tick/request for
// every event of one loop iteration, then run_ready until the node is quiet (the WAL is
// fsynced before any message of a Ready leaves, so a follower's ACK means logged on
// disk; group commit: one fsync covers the batch), then hand the replies back. Clients
// speak the shared protocol (common::KvClient); writes sent to a follower are answered
// NotLeader with the leader's name. main.cpp parses the flags into ServerOptions. Not
// thread-safe, except request_stop(), which is async-signal-safe.

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "targets/common/server_io.h"
#include "targets/zab/core/zab_node.h"
#include "targets/zab/server/wal_storage.h"

namespace faultline::targets::zab::server {

struct ServerOptions : common::ServerOptions {
  ReadMode read_mode = ReadMode::Local;
  Bugs bugs;
};

class ZabServer {
 public:
  using Options = ServerOptions;

  // Recovers the server's history from the data dir, listens on the peer and client
  // ports. Error: bad options, a corrupt data dir, a port that cannot be bound.
  static base::Result<std::unique_ptr<ZabServer>> create(ServerOptions options);
  ~ZabServer();

  // Serves until request_stop(); then returns after syncing the WAL.
  void run();
  // Async-signal-safe.
  void request_stop() { io_->request_stop(); }

  uint16_t client_port() const { return io_->client_port(); }
  uint16_t peer_port() const { return io_->peer_port(); }

 private:
  explicit ZabServer(ServerOptions options);
  base::Status start();
  void log_state_change();

  ServerOptions options_;
  std::unique_ptr<WalStorage> storage_;
  std::unique_ptr<ZabNode> node_;
  common::InvariantCheck check_invariants_;
  ServerState last_state_ = ServerState::Looking;
  NodeId last_leader_;
  Epoch last_epoch_ = 0;
  bool last_broadcasting_ = false;
  std::unique_ptr<common::ServerIo> io_;  // last: closed first, so no handler outlives the node
};

}  // namespace faultline::targets::zab::server
