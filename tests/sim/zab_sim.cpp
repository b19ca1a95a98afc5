#include "tests/sim/zab_sim.h"

#include <map>

namespace faultline::tests::sim {

using zab::Epoch;
using zab::Txn;
using zab::Zxid;

namespace {

uint64_t txn_hash(const Txn& txn) {
  return base::mix64(txn.zxid ^ (std::hash<std::string>{}(txn.data) * 0x9e3779b97f4a7c15ULL) ^
                     static_cast<uint64_t>(txn.type));
}

// Zab's properties, checked incrementally on the server that just moved.
class ZabSafety {
 public:
  std::string check(const zab::ZabNode& node) {
    const zab::Zab& z = node.zab();
    if (auto status = z.check_invariants(); !status) return status.error().message;
    if (z.established()) {
      // At most one established leader per epoch.
      auto [it, inserted] = leader_of_epoch_.emplace(z.leader_epoch(), z.id());
      if (!inserted && it->second != z.id())
        return "one leader per epoch: " + it->second + " and " + z.id() + " both established epoch " +
               std::to_string(z.leader_epoch());
      // Nothing delivered anywhere is missing from a newly established leader.
      if (checked_leader_[z.id()] != z.leader_epoch()) {
        checked_leader_[z.id()] = z.leader_epoch();
        const auto& history = z.history();
        for (size_t i = 0; i < delivered_.size(); ++i) {
          if (i >= history.size() || history[i].zxid != delivered_[i].first ||
              txn_hash(history[i]) != delivered_[i].second)
            return "committed transaction lost: " + z.id() + " established epoch " +
                   std::to_string(z.leader_epoch()) + " without delivered zxid " +
                   std::to_string(delivered_[i].first) + " at position " + std::to_string(i);
        }
      }
    }
    // Every server delivers the same sequence, in zxid order: its k-th delivery is the
    // k-th of every other server's.
    Zxid& seen = delivered_zxid_[z.id()];
    size_t& count = delivered_count_[z.id()];
    if (z.delivered_zxid() > seen) {
      for (const Txn& txn : z.history()) {
        if (txn.zxid <= seen) continue;
        if (txn.zxid > z.delivered_zxid()) break;
        const auto entry = std::make_pair(txn.zxid, txn_hash(txn));
        if (count < delivered_.size()) {
          if (delivered_[count] != entry)
            return "same delivery order: " + z.id() + " delivered zxid " + std::to_string(txn.zxid) +
                   " at position " + std::to_string(count) + " where another server delivered zxid " +
                   std::to_string(delivered_[count].first);
        } else {
          delivered_.push_back(entry);
        }
        ++count;
      }
      seen = z.delivered_zxid();
    }
    return {};
  }
  // A restarted server delivers again from the start.
  void restarted(const NodeId& id) {
    delivered_zxid_[id] = 0;
    delivered_count_[id] = 0;
    checked_leader_[id] = 0;
  }
  int64_t leaders() const { return static_cast<int64_t>(leader_of_epoch_.size()); }

 private:
  std::map<Epoch, NodeId> leader_of_epoch_;
  std::map<NodeId, Epoch> checked_leader_;
  std::vector<std::pair<Zxid, uint64_t>> delivered_;  // the one committed sequence
  std::map<NodeId, Zxid> delivered_zxid_;
  std::map<NodeId, size_t> delivered_count_;
};

struct ZabTraits {
  using Options = ZabSimTarget;
  using Node = zab::ZabNode;
  using Message = zab::Message;
  using Durable = zab::Durable;
  using Ready = zab::Ready;
  using Storage = zab::Storage;
  using Safety = ZabSafety;
  static constexpr bool kFifoChannels = true;  // Zab runs over TCP

  static std::unique_ptr<Node> make_node(const SimOptions<Options>& options, const NodeId& id,
                                         const std::vector<NodeId>& ids, const Durable& disk,
                                         uint64_t seed) {
    zab::Config config;
    config.id = id;
    config.voters = ids;
    config.bugs = options.target.bugs;
    return std::make_unique<Node>(config, options.target.read_mode, disk, seed);
  }
  static bool has_snapshot(const Durable&) { return false; }
  static Ready persist_part(const Ready& ready) {
    Ready part;
    part.hard_state = ready.hard_state;
    part.truncate_after = ready.truncate_after;
    part.txns = ready.txns;
    return part;
  }
  static void persist(Durable& disk, const Ready& part) { zab::persist(disk, part); }
  template <class Send>
  static bool run_ready(Node& node, Storage& storage, Send&& send) {
    return zab::run_ready(node, storage, std::forward<Send>(send));
  }
  static void set_wall_clock(Node&, int64_t) {}  // Zab reads no clock
  static std::optional<uint64_t> leader_rank(const Node& node) {
    if (!node.zab().established()) return std::nullopt;
    return node.zab().leader_epoch();
  }
  static uint64_t hash(const Message& m) {
    return (static_cast<uint64_t>(m.type) << 56) ^ (static_cast<uint64_t>(m.epoch) << 40) ^ m.zxid ^
           (m.txns.size() << 20) ^ (m.round << 8);
  }
};

}  // namespace

SimResult run_zab_sim(const ZabSimOptions& options) { return run_sim<ZabTraits>(options); }

}  // namespace faultline::tests::sim
