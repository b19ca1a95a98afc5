#pragma once
// Raft: the consensus core of the Raft target, a deterministic state machine in the
// style of etcd-io/raft. Inputs: step(message), tick(), propose(), read requests and
// the wall-clock reading the shell feeds it; output: ready(), which lists what to
// persist, then what to send, then what to apply — in that order, fsync first — and
// advance() once the shell has done it. No sockets, threads, clock reads or rand():
// the same inputs give the same outputs, which the simulator relies on. Not
// thread-safe: one shell thread owns it.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/random.h"
#include "base/result.h"
#include "targets/raft/bugs.h"
#include "targets/raft/core/log.h"
#include "targets/raft/core/types.h"

namespace faultline::targets::raft {

enum class Role { Follower, Candidate, Leader };
std::string_view to_string(Role role);

struct Config {
  NodeId id;
  std::vector<NodeId> voters;  // every member, including `id`
  int election_ticks = 10;     // election timeout drawn from [n, 2n) ticks (§5.2)
  int heartbeat_ticks = 1;
  size_t max_entries_per_message = 64;
  size_t max_apply_batch = 256;
  // Check quorum and leader stickiness (etcd's CheckQuorum, off by default there too):
  // a leader that has not heard from a majority for an election timeout steps down,
  // and a follower that hears from a leader ignores candidates. Lease reads need it;
  // without it a partitioned leader leads on until it hears of a newer term.
  bool check_quorum = false;
  // Lease reads: how long after a heartbeat round acknowledged by a majority the
  // leader may answer reads alone, in wall-clock milliseconds; 0 turns leases off.
  // Must be shorter than election_ticks worth of time, or lease reads are unsafe even
  // with good clocks. With leases on, check quorum is timed on the wall clock too.
  int64_t lease_ms = 0;
  Bugs bugs;  // only CommitOldTerm, ForgetVote and NoReadQuorum live in the core
};

// What the disk holds: the image a node restarts from.
struct Durable {
  HardState hard_state;
  std::optional<Snapshot> snapshot;
  std::vector<Entry> entries;  // consecutive, following the snapshot
};

// A linearizable read may be served once the state machine has applied `index`.
struct ReadState {
  uint64_t context = 0;
  Index index = 0;
};

struct Ready {
  // 1. Persist (fsync) before anything below leaves the process.
  std::optional<HardState> hard_state;
  std::vector<Entry> entries;         // append, replacing any suffix from entries[0].index
  std::optional<Snapshot> snapshot;   // a new snapshot point (received or taken locally)
  // 2. Send.
  std::vector<Message> messages;
  // 3. Apply, in this order.
  std::optional<Snapshot> apply_snapshot;  // load into the state machine first
  std::vector<Entry> committed;
  std::vector<ReadState> read_states;

  bool empty() const {
    return !hard_state && entries.empty() && !snapshot && messages.empty() &&
           !apply_snapshot && committed.empty() && read_states.empty();
  }
};

// Applies the persist part of `ready` to a disk image (the fake disk of the
// simulator, and the replay of the real WAL).
void persist(Durable& disk, const Ready& ready);

class Raft {
 public:
  // A node starting from `disk` (empty for a new node). `seed` feeds the randomised
  // election timeouts.
  Raft(Config config, const Durable& disk, uint64_t seed);

  // One unit of logical time: election timeouts and heartbeats count ticks.
  void tick();
  // The shell's current wall-clock reading (ms); only lease reads use it.
  void set_wall_clock_ms(int64_t now_ms) { wall_ms_ = now_ms; }
  // A message from a peer. Messages for another node are ignored.
  void step(const Message& message);

  // Appends a command if this node leads; returns where it will sit if it commits
  // (it committed there iff the entry applied at that index has that term).
  struct Proposal {
    Index index;
    Term term;
  };
  std::optional<Proposal> propose(std::string command);

  // Read-index (§6.4): false if this node cannot serve linearizable reads now (not the
  // leader, or nothing committed in its term yet). Otherwise a ReadState with
  // `context` appears in a later Ready once a heartbeat round started after this call
  // is acknowledged by a majority.
  bool read_index(uint64_t context);
  // Lease read: the index to serve at if this node holds a leader lease at the
  // current wall clock, else nullopt.
  std::optional<Index> lease_read() const;

  // Folds the log up to `index` (<= applied) into `data`, the state machine's encoding
  // of its state after applying `index`.
  void compact(Index index, std::string data);

  Ready ready();
  // Precondition: the Ready returned by the last ready() has been persisted, sent and
  // applied, and nothing was stepped in between.
  void advance();

  // Checks this node's own invariants (commit never decreases or passes the log's
  // end, applied <= commit, a committed entry is never replaced, a leader holds a
  // vote for itself...). The simulator calls it after every step; the server after
  // every advance. Returns the first broken one.
  base::Status check_invariants() const;

  const NodeId& id() const { return config_.id; }
  Role role() const { return role_; }
  Term term() const { return term_; }
  const NodeId& leader() const { return leader_; }  // empty when unknown
  const NodeId& voted_for() const { return voted_for_; }
  Index commit_index() const { return commit_; }
  Index applied_index() const { return applied_; }
  // How often this node, as leader, committed an entry of an earlier term by counting
  // replicas: only the planted commit-old-term does (the servers log it, so a run shows
  // how often the bug's first step happened even when nothing was lost after it).
  uint64_t old_term_commits() const { return old_term_commits_; }
  Index last_old_term_commit() const { return last_old_term_commit_; }  // its index; 0: none
  const RaftLog& log() const { return log_; }
  const Config& config() const { return config_; }
  const std::optional<Snapshot>& snapshot() const { return snapshot_; }

 private:
  struct Progress {
    Index match = 0;
    Index next = 1;
    bool recent_active = false;
    // Probing: the follower's match point is unknown, so one append at a time until
    // one succeeds; then `next` moves ahead optimistically (etcd's probe/replicate).
    bool probing = true;
    uint64_t acked_round = 0;
  };
  struct PendingRead {
    uint64_t context;
    Index index;
    uint64_t round;
  };

  size_t quorum() const { return config_.voters.size() / 2 + 1; }
  void reset_election_timer();
  void become_follower(Term term, const NodeId& leader);
  void become_candidate();
  void become_leader();
  Message vote_request(const NodeId& peer) const;
  void send(Message message);
  void send_append(const NodeId& peer);
  void broadcast_heartbeat();
  void maybe_commit();
  void update_lease_and_reads();
  void set_commit(Index index);

  void on_request_vote(const Message& m);
  void on_vote_reply(const Message& m);
  void on_append(const Message& m);
  void on_append_reply(const Message& m);
  void on_snapshot(const Message& m);

  Config config_;
  base::Random random_;
  RaftLog log_;
  std::optional<Snapshot> snapshot_;  // the latest snapshot, sent to lagging followers

  Role role_ = Role::Follower;
  Term term_ = 0;
  NodeId voted_for_;
  NodeId leader_;
  Index commit_ = 0;
  Index applied_ = 0;

  int elapsed_ = 0;           // ticks since the last reset of the election timer
  int election_timeout_ = 0;  // randomised in [election_ticks, 2 * election_ticks)
  int heartbeat_elapsed_ = 0;
  int check_quorum_elapsed_ = 0;
  std::map<NodeId, bool> votes_;
  std::map<NodeId, Progress> progress_;  // leader only, peers except self

  // Leader: heartbeat rounds and the wall clock when each began (lease reads).
  uint64_t round_ = 0;
  std::deque<std::pair<uint64_t, int64_t>> round_started_ms_;
  int64_t lease_start_ms_ = 0;
  int64_t leader_since_ms_ = 0;
  bool lease_valid_ = false;
  int64_t wall_ms_ = 0;
  std::vector<PendingRead> pending_reads_;
  bool need_heartbeat_ = false;  // a read waits for the next round

  // What the next Ready carries.
  HardState persisted_hard_state_;
  Index unstable_from_ = 0;  // first log index not yet handed out to persist; 0: none
  std::optional<Snapshot> snapshot_to_persist_;
  std::optional<Snapshot> snapshot_to_apply_;
  std::vector<Message> outbox_;
  std::vector<ReadState> read_states_;
  bool ready_handed_out_ = false;
  Index ready_applied_to_ = 0;

  // Invariant bookkeeping (check_invariants).
  std::string violation_;
  Index highest_commit_seen_ = 0;
  uint64_t old_term_commits_ = 0;
  Index last_old_term_commit_ = 0;
};

}  // namespace faultline::targets::raft
