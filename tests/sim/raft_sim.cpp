#include "tests/sim/raft_sim.h"

#include <algorithm>
#include <map>

namespace faultline::tests::sim {

using raft::Index;
using raft::Term;

namespace {

constexpr int kElectionTicks = 10;

// Raft's safety properties (Raft paper Figure 3), checked incrementally: each call
// looks at one node, the one that just moved, and only at what changed.
class SafetyChecker {
 public:
  std::string check(const raft::KvNode& kv_node) {
    const raft::Raft& node = kv_node.raft();
    if (auto status = node.check_invariants(); !status) return status.error().message;
    const raft::RaftLog& log = node.log();
    // Election safety: at most one leader per term.
    if (node.role() == raft::Role::Leader) {
      auto [it, inserted] = leader_of_term_.emplace(node.term(), node.id());
      if (!inserted && it->second != node.id())
        return "election safety: " + it->second + " and " + node.id() + " both lead term " +
               std::to_string(node.term());
      // Leader completeness: a leader holds every entry committed in an earlier term
      // (committed in term X = a leader of term X counted it committed).
      if (leader_checked_[node.id()] != node.term()) {
        leader_checked_[node.id()] = node.term();
        Index index = 0;
        for (auto it = leader_commit_.begin(); it != leader_commit_.end() && it->first < node.term(); ++it)
          index = std::max(index, it->second);
        if (index > 0) {
          const uint64_t hash = committed_.at(index);
          if (index > log.last_index() ||
              (index >= log.snapshot_meta().index && log.prefix_hash(index) != hash))
            return "leader completeness: " + node.id() + " leads term " +
                   std::to_string(node.term()) + " without committed entry " + std::to_string(index);
        }
      }
    }
    // Log matching: entries with the same index and term have identical prefixes. The
    // chained hash makes this one comparison per position; stop at the first position
    // already known to agree.
    for (Index i = log.last_index(); i >= log.snapshot_meta().index; --i) {
      const uint64_t hash = log.prefix_hash(i);
      auto [it, inserted] = entry_hash_.emplace(std::make_pair(i, *log.term_at(i)), hash);
      if (!inserted) {
        if (it->second != hash)
          return "log matching: " + node.id() + "'s log differs at index " + std::to_string(i) +
                 " term " + std::to_string(*log.term_at(i)) + " from another log with that entry";
        break;
      }
      if (i == 0) break;
    }
    // State machine safety: every node commits the same entry at each index.
    Index& checked = commit_checked_[node.id()];
    const Index from = std::max(checked + 1, log.snapshot_meta().index);
    for (Index i = from; i <= node.commit_index(); ++i) {
      const uint64_t hash = log.prefix_hash(i);
      auto [it, inserted] = committed_.emplace(i, hash);
      if (!inserted && it->second != hash)
        return "state machine safety: " + node.id() + " committed a different entry at index " +
               std::to_string(i);
    }
    checked = node.commit_index();
    if (node.role() == raft::Role::Leader) {
      Index& by_term = leader_commit_[node.term()];
      by_term = std::max(by_term, node.commit_index());
    }
    return {};
  }
  // A restarted node starts over: its commit index may be lower than before.
  void restarted(const NodeId& id) {
    commit_checked_[id] = 0;
    leader_checked_[id] = 0;
  }
  int64_t leaders() const { return static_cast<int64_t>(leader_of_term_.size()); }

 private:
  std::map<Term, NodeId> leader_of_term_;
  std::map<NodeId, Term> leader_checked_;
  std::map<std::pair<Index, Term>, uint64_t> entry_hash_;
  std::map<Index, uint64_t> committed_;
  std::map<Term, Index> leader_commit_;  // the highest commit index a leader of each term reached
  std::map<NodeId, Index> commit_checked_;
};

struct RaftTraits {
  using Options = RaftSimTarget;
  using Node = raft::KvNode;
  using Message = raft::Message;
  using Durable = raft::Durable;
  using Ready = raft::Ready;
  using Storage = raft::Storage;
  using Safety = SafetyChecker;
  // Raft tolerates reordering: its messages travel like datagrams here.
  static constexpr bool kFifoChannels = false;

  static std::unique_ptr<Node> make_node(const SimOptions<Options>& options, const NodeId& id,
                                         const std::vector<NodeId>& ids, const Durable& disk,
                                         uint64_t seed) {
    raft::Config config;
    config.id = id;
    config.voters = ids;
    config.election_ticks = kElectionTicks;
    raft::configure_reads(config, options.target.read_mode, kTickMs * kElectionTicks);
    config.max_entries_per_message = options.target.max_entries_per_message;
    config.bugs = options.target.bugs;
    raft::NodeOptions node_options;
    node_options.read_mode = options.target.read_mode;
    node_options.snapshot_every = options.target.snapshot_every;
    return std::make_unique<Node>(config, node_options, disk, seed);
  }
  static bool has_snapshot(const Durable& disk) { return disk.snapshot.has_value(); }
  static Ready persist_part(const Ready& ready) {
    Ready part;
    part.hard_state = ready.hard_state;
    part.entries = ready.entries;
    part.snapshot = ready.snapshot;
    return part;
  }
  static void persist(Durable& disk, const Ready& part) { raft::persist(disk, part); }
  template <class Send>
  static bool run_ready(Node& node, Storage& storage, Send&& send) {
    return raft::run_ready(node, storage, std::forward<Send>(send));
  }
  static void set_wall_clock(Node& node, int64_t ms) { node.set_wall_clock_ms(ms); }
  static std::optional<uint64_t> leader_rank(const Node& node) {
    if (node.raft().role() != raft::Role::Leader) return std::nullopt;
    return node.raft().term();
  }
  static uint64_t hash(const Message& m) {
    return (static_cast<uint64_t>(m.type) << 56) ^ (m.term << 40) ^ (m.log_index << 20) ^
           (m.entries.size() << 8) ^ m.commit ^ (m.success ? 1ULL << 63 : 0);
  }
};

}  // namespace

SimResult run_raft_sim(const RaftSimOptions& options) { return run_sim<RaftTraits>(options); }

}  // namespace faultline::tests::sim
