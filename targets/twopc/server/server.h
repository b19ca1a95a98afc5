#pragma once
// TwoPcServer: the I/O shell of one faultline-twopc node, the coordinator or a
// participant (by --coordinator: the node it names coordinates, every other member is a
// participant). It drives the node (core/node.h) exactly as the simulator drives the
// cores, on the shared server I/O (common::ServerIo: one EventLoop thread with the peer
// links, the client listener and the tick timer): step/tick/request for every event of
// one loop iteration, then run_ready until the node is quiet — the WAL is fsynced before
// any message of a Ready leaves (group commit), so a yes vote means "prepared" is on disk
// and a Commit means the decision is — then the replies go back. Time fed to the core is
// the wall clock in milliseconds, so the prepared times in a participant's WAL still mean
// something after a restart (a stepped clock shifts timeouts and reported blocked times,
// never an outcome). Not thread-safe, except request_stop(), which is async-signal-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "targets/common/server_io.h"
#include "targets/twopc/core/node.h"
#include "targets/twopc/server/wal_storage.h"

namespace faultline::targets::twopc::server {

struct ServerOptions : common::ServerOptions {
  NodeId coordinator;                // required; a member of peers
  std::vector<NodeId> participants;  // shard order; empty: every other member, sorted by name
  int64_t accounts = 4;
  Amount initial_balance = 100;
  Bugs bugs;
};

// The bank every node of the cluster must agree on. Error: no coordinator among the
// peers, a participant that is not a member or is the coordinator, no participant, fewer
// accounts than participants.
base::Result<Topology> topology_of(const ServerOptions& options);

class TwoPcServer {
 public:
  using Options = ServerOptions;

  // Recovers the node from the data dir and listens on the peer and client ports. The
  // phase 1 timeout is election_ticks ticks; prepares, decisions and in-doubt queries
  // are re-sent every third of it; the planted timeout bugs decide after two of it.
  // Error: bad options, a corrupt data dir, a port that cannot be bound.
  static base::Result<std::unique_ptr<TwoPcServer>> create(ServerOptions options);
  ~TwoPcServer();

  // Serves until request_stop(); then returns after syncing the WAL.
  void run();
  // Async-signal-safe.
  void request_stop() { io_->request_stop(); }

  uint16_t client_port() const { return io_->client_port(); }
  uint16_t peer_port() const { return io_->peer_port(); }

 private:
  explicit TwoPcServer(ServerOptions options);
  base::Status start();
  template <class Node>
  base::Status listen(Node& node);
  template <class Node, class Storage>
  void serve(Node& node, Storage& storage);

  ServerOptions options_;
  Topology topology_;
  std::unique_ptr<CoordinatorWal> coordinator_wal_;
  std::unique_ptr<ParticipantWal> participant_wal_;
  std::unique_ptr<CoordinatorNode> coordinator_;
  std::unique_ptr<ParticipantNode> participant_;
  common::InvariantCheck check_invariants_;
  std::unique_ptr<common::ServerIo> io_;  // last: closed first, so no handler outlives the node
};

}  // namespace faultline::targets::twopc::server
