#include "targets/raft/server/server.h"

#include <chrono>

#include "base/log.h"
#include "targets/raft/core/wire.h"

namespace faultline::targets::raft::server {

RaftServer::RaftServer(ServerOptions options)
    : options_(std::move(options)), check_invariants_(options_.id, !options_.bugs.empty()) {}

RaftServer::~RaftServer() = default;

base::Result<std::unique_ptr<RaftServer>> RaftServer::create(ServerOptions options) {
  if (auto valid = common::validate(options); !valid) return valid.error();
  if (options.snapshot_every == 0) return base::Error{"--snapshot-every must be positive"};
  if (options.max_entries_per_message == 0) return base::Error{"--max-entries-per-message must be positive"};
  std::unique_ptr<RaftServer> server(new RaftServer(std::move(options)));
  if (auto started = server->start(); !started) return started.error();
  return server;
}

base::Status RaftServer::start() {
  std::vector<NodeId> voters;
  for (const auto& [name, address] : options_.peers) voters.push_back(name);

  auto storage = WalStorage::open(options_.data_dir, options_.fsync_commit);
  if (!storage) return storage.error();
  storage_ = std::move(*storage);
  const Durable& disk = storage_->durable();
  FL_LOG(Info, options_.id << ": recovered term " << disk.hard_state.term << " vote '"
                           << disk.hard_state.voted_for << "' commit " << disk.hard_state.commit
                           << ", snapshot at "
                           << (disk.snapshot ? disk.snapshot->meta.index : 0) << ", "
                           << disk.entries.size() << " entries from "
                           << common::describe(storage_->recovery()));

  Config config;
  config.id = options_.id;
  config.voters = voters;
  config.election_ticks = options_.election_ticks;
  config.max_entries_per_message = options_.max_entries_per_message;
  configure_reads(config, options_.read_mode, int64_t{options_.tick_ms} * options_.election_ticks);
  config.bugs = options_.bugs;
  NodeOptions node_options;
  node_options.read_mode = options_.read_mode;
  node_options.snapshot_every = options_.snapshot_every;
  // Election timeouts must differ between nodes and between runs; the seed is logged.
  const uint64_t seed = common::fresh_seed();
  node_ = std::make_unique<KvNode>(config, node_options, disk, seed);
  last_checkpoint_ = node_->raft().commit_index() / kAppliedCheckpoint * kAppliedCheckpoint;
  FL_LOG(Info, options_.id << ": seed " << seed << ", read mode " << to_string(options_.read_mode)
                           << ", lease " << config.lease_ms << " ms");
  for (Bug bug : options_.bugs) FL_LOG(Warn, options_.id << ": planted bug " << to_string(bug));

  common::ServerIo::Handlers handlers;
  handlers.peer_message = [this](const std::string& from, std::string payload) {
    auto message = common::accept_peer_message(options_.id, from, decode_message(payload));
    if (!message) return;
    node_->set_wall_clock_ms(wall_ms());
    node_->step(*message);
  };
  handlers.request = [this](const Request& request) {
    node_->set_wall_clock_ms(wall_ms());
    node_->request(request);
  };
  handlers.tick = [this] {
    node_->set_wall_clock_ms(wall_ms());
    node_->tick();
  };
  auto io = common::ServerIo::create(options_, std::move(handlers));
  if (!io) return io.error();
  io_ = std::move(*io);
  return base::ok_status();
}

int64_t RaftServer::wall_ms() const {
  // The real-time clock on purpose: lease reads trust it, and the clock nemesis
  // (libfaketime, settime) moves exactly this clock.
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void RaftServer::run() {
  io_->serve(
      *node_, *storage_, options_.bugs.count(Bug::AckBeforePersist) != 0,
      [](const Message& message) { return encode_message(message); },
      [this] { check_invariants_(node_->raft().check_invariants()); }, [this] { log_changes(); });
  storage_->sync_all();
  FL_LOG(Info, options_.id << ": stopped (term " << node_->raft().term() << ", commit "
                           << node_->raft().commit_index() << ", " << storage_->syncs_deferred()
                           << " commit-only syncs deferred, " << storage_->syncs() << " syncs)");
}

void RaftServer::log_changes() {
  const Raft& raft = node_->raft();
  if (!raft.voted_for().empty() && (raft.term() != last_vote_term_ || raft.voted_for() != last_vote_)) {
    last_vote_term_ = raft.term();
    last_vote_ = raft.voted_for();
    FL_LOG(Info, options_.id << ": vote term " << last_vote_term_ << " for " << last_vote_);
  }
  // Chain hashes of the prefix (RaftLog::prefix_hash) are equal on every node exactly when
  // the prefixes are; an index already folded into a snapshot is skipped.
  for (Index i = last_checkpoint_ + kAppliedCheckpoint; i <= raft.applied_index(); i += kAppliedCheckpoint) {
    last_checkpoint_ = i;
    if (i < raft.log().snapshot_meta().index) continue;
    FL_LOG(Info, options_.id << ": applied index " << i << " hash " << std::hex << raft.log().prefix_hash(i)
                             << std::dec);
  }
  if (raft.old_term_commits() != last_old_term_commits_) {
    last_old_term_commits_ = raft.old_term_commits();
    const Index index = raft.last_old_term_commit();
    FL_LOG(Warn, options_.id << ": committed index " << index << " of term "
                             << raft.log().term_at(index).value_or(0) << " in term " << raft.term()
                             << " by counting replicas (planted bug commit-old-term; "
                             << last_old_term_commits_ << " such commits)");
  }
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
