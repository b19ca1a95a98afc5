#pragma once
// The fault vocabulary (STYLE.md §5): the specs a nemesis applies to real nodes and
// the deterministic simulator applies to simulated ones, with the same names, so a
// simulation scenario reads like a --nemesis schedule. Plain data; copy freely.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace faultline::nemesis {

using NodeName = std::string;

// A network partition as a grudge: node -> the nodes whose packets it drops. A
// grudge need not be symmetric (a bridge topology is not), and a node missing from
// the map drops nothing. std::map/std::set: iteration order reaches history and logs.
struct Partition {
  std::map<NodeName, std::set<NodeName>> grudge;
  bool operator==(const Partition&) const = default;
};

// Packet loss: `to` drops packets from `from` with probability `probability`.
struct LossPair {
  NodeName from;
  NodeName to;
  bool operator==(const LossPair&) const = default;
};
struct Loss {
  std::vector<LossPair> pairs;
  double probability = 0.0;  // 0 < p <= 1
  bool operator==(const Loss&) const = default;
};

// Packet delay: each node in `nodes` holds every packet from the cluster's other nodes
// for delay_ms ± jitter_ms (uniform, seeded; packets keep their order) before taking
// it in: the one-way latency into those nodes grows by that much. Traffic from outside
// the cluster (clients, the controller's SSH) is not delayed.
struct Delay {
  std::vector<NodeName> nodes;
  int64_t delay_ms = 0;   // > 0
  int64_t jitter_ms = 0;  // 0 <= jitter_ms <= delay_ms
  uint64_t seed = 1;
  bool operator==(const Delay&) const = default;
};

// SIGKILL of the target process on each node (restart is the matching stop).
struct Kill {
  std::vector<NodeName> nodes;
  bool operator==(const Kill&) const = default;
};

// SIGSTOP of the target process on each node (resume, SIGCONT, is the stop).
struct Pause {
  std::vector<NodeName> nodes;
  bool operator==(const Pause&) const = default;
};

// The node's clock runs `delta_ms` off the controller's (bump); strobe flips between
// +delta and 0 every `period_ms` for `duration_ms`; freeze steps it by delta (to the
// second) and then holds it still until the reset (a stalled clock: a leader that
// believes no time passes keeps its lease).
struct ClockSkew {
  std::map<NodeName, int64_t> delta_ms;
  int64_t strobe_period_ms = 0;    // 0: a plain bump
  int64_t strobe_duration_ms = 0;
  bool freeze = false;             // true: no strobe; the clock stands still until reset
  bool operator==(const ClockSkew&) const = default;
};

// A crash loop: on each node the target process is SIGKILLed and started again at
// once, then again after the next gap, until the gaps run out (a crash-looping service
// under a supervisor). The loop runs on the node, so a node is down for milliseconds,
// not an SSH round trip: restarts land inside elections.
struct CrashLoop {
  std::map<NodeName, std::vector<int64_t>> gaps_ms;  // per node: ms up after each restart
  bool operator==(const CrashLoop&) const = default;
};

using Fault = std::variant<Partition, Loss, Delay, Kill, Pause, ClockSkew, CrashLoop>;

}  // namespace faultline::nemesis
