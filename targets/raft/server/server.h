#pragma once
// RaftServer: the I/O shell of one faultline-raft node. It drives a KvNode exactly as
// the simulator does, on the shared server I/O (common::ServerIo: one EventLoop thread
// with the peer links, the client listener and the tick timer): set the wall clock,
// then step/tick/request for every event of one loop iteration, then run_ready until
// the node is quiet (group commit: one fsync covers the whole batch), then hand the
// replies back. main.cpp parses the flags into ServerOptions. Not thread-safe, except
// request_stop(), which is async-signal-safe.

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "targets/common/server_io.h"
#include "targets/raft/core/kv_node.h"
#include "targets/raft/server/wal_storage.h"

namespace faultline::targets::raft::server {

struct ServerOptions : common::ServerOptions {
  ReadMode read_mode = ReadMode::ReadIndex;
  Bugs bugs;
  Index snapshot_every = 10000;
  // Most log entries one AppendEntries carries (Config::max_entries_per_message).
  size_t max_entries_per_message = Config{}.max_entries_per_message;
  // Also fsync Readies that only advance the commit index (WalStorage): slower and no
  // safer; the benchmark's baseline.
  bool fsync_commit = false;
};

class RaftServer {
 public:
  using Options = ServerOptions;

  // Recovers the node from the data dir, listens on the peer and client ports.
  // Error: bad options, a corrupt data dir, a port that cannot be bound.
  static base::Result<std::unique_ptr<RaftServer>> create(ServerOptions options);
  ~RaftServer();

  // Serves until request_stop(); then returns after syncing the WAL.
  void run();
  // Async-signal-safe.
  void request_stop() { io_->request_stop(); }

  uint16_t client_port() const { return io_->client_port(); }
  uint16_t peer_port() const { return io_->peer_port(); }

 private:
  explicit RaftServer(ServerOptions options);
  base::Status start();
  int64_t wall_ms() const;
  // After each batch of Readies (so after what they persisted and sent): a line when
  // the role, term or leader changed, "vote term T for C" when a vote was cast, and
  // "applied index I hash H" for each multiple I of kAppliedCheckpoint applied since —
  // the log checker's leader, vote and applied lines (checkers/logs).
  void log_changes();
  static constexpr Index kAppliedCheckpoint = 100;

  ServerOptions options_;
  std::unique_ptr<WalStorage> storage_;
  std::unique_ptr<KvNode> node_;
  common::InvariantCheck check_invariants_;
  Role last_role_ = Role::Follower;
  Term last_term_ = 0;
  NodeId last_leader_;
  Term last_vote_term_ = 0;
  NodeId last_vote_;
  uint64_t last_old_term_commits_ = 0;
  // The highest checkpoint logged; starts at the recovered commit index (rounded down),
  // so a restart does not log again what the node applied before.
  Index last_checkpoint_ = 0;
  std::unique_ptr<common::ServerIo> io_;  // last: closed first, so no handler outlives the node
};

}  // namespace faultline::targets::raft::server
