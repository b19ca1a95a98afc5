#pragma once
// Network<M>: the deterministic simulator's in-memory network (STYLE.md §4). Messages
// between named nodes are delivered on simulated time after a seeded random delay,
// so they are reordered; the faults are the shared vocabulary — cut(a, b),
// isolate(n), drop(a, b, p), delay, crash (a crashed node neither sends nor
// receives), heal() — plus a msg_hook that may drop any message. Iteration order is
// fixed (std::map / std::vector, sequence numbers break ties), so a seed replays
// identically. Used by tests only; not thread-safe.

#include <cstdint>
#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/random.h"

namespace faultline::targets::sim {

using NodeName = std::string;
using SimTime = int64_t;  // simulated milliseconds

template <class M>
struct Envelope {
  SimTime deliver_at = 0;
  uint64_t seq = 0;  // send order: the tie-break that keeps delivery deterministic
  NodeName from;
  NodeName to;
  M message;
};

template <class M>
class Network {
 public:
  explicit Network(uint64_t seed) : random_(seed) {}

  // Delays are drawn uniformly from [min_ms, max_ms]. Precondition: 0 < min <= max.
  void set_delay(SimTime min_ms, SimTime max_ms) {
    min_delay_ = min_ms;
    max_delay_ = max_ms;
  }
  // FIFO channels (TCP): each pair's messages arrive in the order sent, still after a
  // random delay. Off by default (UDP-like reordering, which Raft tolerates).
  void set_fifo(bool fifo) { fifo_ = fifo; }
  // Cuts both directions between a and b; isolate cuts n from every other node.
  void cut(const NodeName& a, const NodeName& b) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  void cut_one_way(const NodeName& from, const NodeName& to) { cut_.insert({from, to}); }
  void isolate(const NodeName& n, const std::vector<NodeName>& all) {
    for (const auto& other : all)
      if (other != n) cut(n, other);
  }
  // Messages from `from` to `to` are lost with probability p.
  void drop(const NodeName& from, const NodeName& to, double p) { loss_[{from, to}] = p; }
  void set_down(const NodeName& n, bool down) {
    if (down) {
      down_.insert(n);
    } else {
      down_.erase(n);
    }
  }
  bool is_down(const NodeName& n) const { return down_.count(n) != 0; }
  // Ends every cut and loss (crashed nodes stay down: restart them).
  void heal() {
    cut_.clear();
    loss_.clear();
  }
  bool is_cut(const NodeName& from, const NodeName& to) const { return cut_.count({from, to}) != 0; }

  // Return false to drop the message (a test's targeted fault).
  std::function<bool(const Envelope<M>&)> msg_hook;

  void send(const NodeName& from, const NodeName& to, M message, SimTime now) {
    ++sent_;
    if (is_down(from) || is_cut(from, to)) return;
    if (auto it = loss_.find({from, to}); it != loss_.end() && random_.chance(it->second)) return;
    SimTime at = now + random_.between(min_delay_, max_delay_);
    if (fifo_) {
      SimTime& last = last_delivery_[{from, to}];
      at = std::max(at, last);
      last = at;
    }
    Envelope<M> envelope{at, next_seq_++, from, to, std::move(message)};
    in_flight_.push(std::move(envelope));
  }

  // Removes and returns the next message due at or before `now` that may still be
  // delivered, or false. A message is dropped if its recipient is down or cut off from
  // the sender when it is due; one sent to a node that crashed AND restarted while it
  // was in flight reaches the new incarnation (as a datagram would; over TCP it would
  // have died with the old process's connection — see targets/raft/BUGS.md).
  bool pop_due(SimTime now, Envelope<M>& out) {
    while (!in_flight_.empty() && in_flight_.top().deliver_at <= now) {
      Envelope<M> envelope = std::move(const_cast<Envelope<M>&>(in_flight_.top()));
      in_flight_.pop();
      if (is_down(envelope.to) || is_cut(envelope.from, envelope.to)) continue;
      if (msg_hook && !msg_hook(envelope)) continue;
      ++delivered_;
      out = std::move(envelope);
      return true;
    }
    return false;
  }

  size_t in_flight() const { return in_flight_.size(); }
  uint64_t sent() const { return sent_; }
  uint64_t delivered() const { return delivered_; }

 private:
  struct Later {
    bool operator()(const Envelope<M>& a, const Envelope<M>& b) const {
      return a.deliver_at != b.deliver_at ? a.deliver_at > b.deliver_at : a.seq > b.seq;
    }
  };
  base::Random random_;
  SimTime min_delay_ = 1;
  SimTime max_delay_ = 10;
  std::set<std::pair<NodeName, NodeName>> cut_;
  std::map<std::pair<NodeName, NodeName>, double> loss_;
  std::set<NodeName> down_;
  bool fifo_ = false;
  std::map<std::pair<NodeName, NodeName>, SimTime> last_delivery_;
  std::priority_queue<Envelope<M>, std::vector<Envelope<M>>, Later> in_flight_;
  uint64_t next_seq_ = 0;
  uint64_t sent_ = 0;
  uint64_t delivered_ = 0;
};

}  // namespace faultline::targets::sim
