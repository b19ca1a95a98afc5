#pragma once
// SimCluster<T>: a whole cluster of one target's replicas in one thread on simulated
// time, for the simulation tests of every protocol core (STYLE.md §4). Replicas are the
// target's real pure node state machines run by its real run_ready() shell; the
// network (targets/sim), the disks, the clocks and the clients are fakes driven by one
// seeded Random, so a seed replays the same run (same trace hash). Faults, drawn at
// random: partitions (halves, isolation, isolate-the-leader, one-way cuts), message
// loss, crash and restart (losing what was not synced), wall-clock steps and strobes.
// After every step the target's safety checker looks at the node that moved; at the
// end the clients' history is checked for linearizability (register workload, reads
// through the target's read path).
//
// T provides: Options (target flags: bugs, read mode...), Node, Message, Durable, Ready,
// Storage, Safety {check(const Node&) -> violation or "", restarted(id), leaders()},
// kFifoChannels, make_node(options, id, ids, disk, seed), has_snapshot(disk),
// persist_part(ready), persist(disk, part), run_ready(node, storage, send),
// set_wall_clock(node, ms), leader_rank(node) -> term/epoch if it leads, hash(message).

#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/random.h"
#include "checkers/linearizable/checker.h"
#include "checkers/verdict.h"
#include "history/op.h"
#include "targets/common/kv.h"
#include "targets/sim/network.h"

namespace faultline::tests::sim {

namespace common = targets::common;
using targets::sim::SimTime;
using NodeId = std::string;

template <class TargetOptions>
struct SimOptions {
  uint64_t seed = 1;
  int nodes = 5;
  SimTime duration_ms = 3000;  // with faults; then heal and quiesce
  SimTime quiesce_ms = 1500;
  TargetOptions target;        // bugs, read mode, ... of the target under test
  int clients = 5;
  int keys = 3;
  SimTime client_timeout_ms = 400;
  // Fault mix: the mean gap between faults, and which kinds may be drawn.
  SimTime fault_interval_ms = 150;
  bool partitions = true;
  bool loss = true;
  bool crashes = true;
  bool crash_many = false;  // crash a majority at once (what exposes unsynced acks)
  bool clock_skew = false;
  SimTime min_delay_ms = 1;
  SimTime max_delay_ms = 12;
};

struct SimResult {
  std::string violation;  // the first broken safety property, with the sim time
  checkers::Verdict linearizable = checkers::Verdict::Unknown;
  std::string linearizability_detail;
  uint64_t trace_hash = 0;
  int64_t ok_ops = 0;
  int64_t leaders_elected = 0;
  int64_t crashes = 0;
  int64_t snapshots_installed = 0;
  std::vector<history::Op> history;
  bool safe() const { return violation.empty(); }
};

// Simulated ticks: every node ticks every kTickMs of simulated time, at its own phase.
constexpr SimTime kTickMs = 10;
// With a planted AckBeforePersist, the shell flushes its buffer this often.
constexpr int kFlushEveryTicks = 5;

// The fake disk: what a Ready asks to persist sits in the process until sync(), and
// a crash loses it.
template <class T>
class SimDisk final : public T::Storage {
 public:
  void save(const typename T::Ready& ready) override {
    buffer_.push_back(T::persist_part(ready));
  }
  void sync() override {
    for (const auto& part : buffer_) T::persist(durable_, part);
    buffer_.clear();
  }
  void crash() { buffer_.clear(); }
  const typename T::Durable& durable() const { return durable_; }

 private:
  typename T::Durable durable_;
  std::vector<typename T::Ready> buffer_;
};

// Kill -9 and restart as every simulator here draws them: a crashed node is down on the
// network and comes back at once (1-5 ms, a supervisor restarting it) or after a while
// (50-400 ms).
class RestartSchedule {
 public:
  template <class M>
  void crashed(const NodeId& id, SimTime now, base::Random& random, targets::sim::Network<M>& network) {
    network.set_down(id, true);
    restart_at_[id] = now + (random.chance(0.3) ? random.between(1, 5) : random.between(50, 400));
  }
  // Every node due by `now` is up on the network again, then start(id) runs.
  template <class M, class Start>
  void restart_due(SimTime now, targets::sim::Network<M>& network, Start&& start) {
    for (auto it = restart_at_.begin(); it != restart_at_.end();) {
      if (it->second > now) {
        ++it;
        continue;
      }
      network.set_down(it->first, false);
      start(it->first);
      it = restart_at_.erase(it);
    }
  }
  // Every crashed node is due at `now` (the final heal).
  void all_due(SimTime now) {
    for (auto& [id, at] : restart_at_) at = now;
  }

 private:
  std::map<NodeId, SimTime> restart_at_;
};

// `ids` in a random order (Fisher-Yates, drawing from `random`).
inline std::vector<NodeId> shuffled(std::vector<NodeId> ids, base::Random& random) {
  for (size_t i = ids.size(); i > 1; --i) std::swap(ids[i - 1], ids[random.below(i)]);
  return ids;
}

// Heals, then cuts the first half of `order` from the rest.
template <class M>
void split_halves(targets::sim::Network<M>& network, const std::vector<NodeId>& order) {
  network.heal();
  const size_t half = order.size() / 2;
  for (size_t a = 0; a < half; ++a)
    for (size_t b = half; b < order.size(); ++b) network.cut(order[a], order[b]);
}

struct Client {
  int64_t process = 0;
  uint64_t client_id = 0;
  uint64_t seq = 0;
  bool busy = false;
  common::Request request;
  history::Op invoke;
  NodeId home;    // the node this client talks to first
  NodeId target;  // where the current attempt goes
  SimTime deadline = 0;
  SimTime retry_at = -1;  // a NotLeader answer: try again then, at `target`
  int attempts = 0;
};

template <class T>
class SimCluster {
 public:
  explicit SimCluster(const SimOptions<typename T::Options>& options)
      : options_(options), random_(options.seed), network_(base::mix64(options.seed)) {
    network_.set_delay(options.min_delay_ms, options.max_delay_ms);
    network_.set_fifo(T::kFifoChannels);
    for (int i = 1; i <= options.nodes; ++i) ids_.push_back("n" + std::to_string(i));
    for (const auto& id : ids_) {
      disks_[id];
      skew_[id] = 0;
      phase_[id] = random_.between(0, kTickMs - 1);
      start(id);
    }
    for (int c = 0; c < options.clients; ++c) {
      Client client;
      client.process = next_process_++;
      client.client_id = static_cast<uint64_t>(client.process) + 1;
      client.home = ids_[static_cast<size_t>(c) % ids_.size()];
      clients_.push_back(client);
    }
  }

  SimResult run() {
    const SimTime end = options_.duration_ms + options_.quiesce_ms;
    SimTime next_fault = random_.between(options_.fault_interval_ms / 2, options_.fault_interval_ms * 3 / 2);
    for (now_ = 0; now_ < end; ++now_) {
      if (now_ < options_.duration_ms && now_ >= next_fault) {
        fault();
        next_fault = now_ + random_.between(options_.fault_interval_ms / 2, options_.fault_interval_ms * 3 / 2);
      }
      if (now_ == options_.duration_ms) heal_all();
      for (auto it = strobes_.begin(); it != strobes_.end();) {
        const Strobe& strobe = it->second;
        const bool on = strobe.period == 0 || (now_ / strobe.period) % 2 == 0;
        skew_[it->first] = on ? strobe.delta : 0;
        if (strobe.period != 0 && now_ >= strobe.until) {
          skew_[it->first] = 0;
          it = strobes_.erase(it);
        } else {
          ++it;
        }
      }
      restart_due();
      targets::sim::Envelope<typename T::Message> envelope;
      while (network_.pop_due(now_, envelope)) {
        hash(envelope);
        auto& node = nodes_[envelope.to];
        if (!node) continue;
        T::set_wall_clock(*node, wall(envelope.to));
        node->step(envelope.message);
        process(envelope.to);
      }
      for (const auto& id : ids_) {
        auto& node = nodes_[id];
        if (!node || (now_ + phase_[id]) % kTickMs != 0) continue;
        T::set_wall_clock(*node, wall(id));
        node->tick();
        if (++ticks_[id] % kFlushEveryTicks == 0) disks_[id].sync();
        process(id);
      }
      drive_clients(now_ < end - options_.client_timeout_ms);
    }
    for (auto& client : clients_)
      if (client.busy) complete(client, history::OpType::Info, history::Value());
    result_.trace_hash = trace_;
    result_.leaders_elected = safety_.leaders();
    check_history();
    return std::move(result_);
  }

 private:
  int64_t wall(const NodeId& id) const { return 1'000'000 + now_ + skew_.at(id); }

  void start(const NodeId& id) {
    if (T::has_snapshot(disks_[id].durable())) ++result_.snapshots_installed;
    nodes_[id] = T::make_node(options_, id, ids_, disks_[id].durable(), random_.next_u64());
    safety_.restarted(id);
    process(id);
  }

  void crash(const NodeId& id) {
    if (!nodes_[id]) return;
    nodes_[id].reset();
    disks_[id].crash();
    ++result_.crashes;
    restarts_.crashed(id, now_, random_, network_);
    mix(0xc0ffee ^ std::hash<std::string>{}(id));
  }

  void restart_due() {
    restarts_.restart_due(now_, network_, [&](const NodeId& id) { start(id); });
  }

  void heal_all() {
    network_.heal();
    strobes_.clear();
    for (auto& [id, skew] : skew_) skew = 0;
    restarts_.all_due(now_);
    restart_due();
  }

  void fault() {
    std::vector<int> kinds;
    if (options_.partitions) kinds.insert(kinds.end(), {0, 1, 2, 7});
    if (options_.loss) kinds.push_back(3);
    if (options_.crashes) kinds.push_back(4);
    if (options_.clock_skew) kinds.push_back(5);
    kinds.push_back(6);  // heal
    const int kind = kinds[random_.below(kinds.size())];
    mix(0xfa17 + static_cast<uint64_t>(kind));
    std::vector<NodeId> shuffled = sim::shuffled(ids_, random_);
    switch (kind) {
      case 0:  // halves
        split_halves(network_, shuffled);
        break;
      case 1:  // isolate one node
        network_.heal();
        network_.isolate(shuffled[0], ids_);
        break;
      case 2:  // a one-way cut
        network_.cut_one_way(shuffled[0], shuffled[1]);
        break;
      case 3:  // loss on a few pairs
        for (size_t i = 0; i + 1 < shuffled.size(); ++i)
          network_.drop(shuffled[i], shuffled[i + 1], 0.3);
        break;
      case 4: {  // crash one node, or a majority at once
        size_t count = 1;
        if (options_.crash_many && random_.chance(0.5)) count = ids_.size() / 2 + 1;
        for (size_t i = 0; i < count; ++i) crash(shuffled[i]);
        break;
      }
      case 5: {  // step a wall clock, or strobe it between two offsets for a while
        if (const NodeId leader = current_leader(); !leader.empty() && random_.chance(0.5))
          shuffled[0] = leader;
        Strobe strobe;
        strobe.delta = random_.between(-2000, 2000);
        strobe.period = random_.chance(0.5) ? 0 : random_.between(10, 100);
        strobe.until = now_ + options_.fault_interval_ms * 2;
        strobes_[shuffled[0]] = strobe;
        break;
      }
      case 7:  // isolate the leader (as the nemesis does, asking who leads)
        network_.heal();
        if (const NodeId leader = current_leader(); !leader.empty()) network_.isolate(leader, ids_);
        break;
      default:
        network_.heal();
        break;
    }
  }

  // The leader of the highest term (epoch) among live nodes, or empty.
  NodeId current_leader() const {
    NodeId leader;
    uint64_t rank = 0;
    for (const auto& [id, node] : nodes_) {
      if (!node) continue;
      if (auto r = T::leader_rank(*node); r && *r >= rank) {
        leader = id;
        rank = *r;
      }
    }
    return leader;
  }

  void process(const NodeId& id) {
    auto& node = nodes_[id];
    for (int round = 0; round < 8 && node; ++round) {
      const bool did = T::run_ready(*node, disks_[id], [&](typename T::Message message) {
        const NodeId from = message.from, to = message.to;
        network_.send(from, to, std::move(message), now_);
      });
      for (auto& reply : node->take_replies()) deliver(reply);
      if (result_.violation.empty()) {
        std::string broken = safety_.check(*node);
        if (!broken.empty()) result_.violation = "t=" + std::to_string(now_) + "ms: " + broken;
      }
      if (!did) break;
    }
  }

  void drive_clients(bool issue_new) {
    for (auto& client : clients_) {
      if (client.busy && now_ >= client.deadline) {
        complete(client, history::OpType::Info, history::Value());
        continue;
      }
      if (client.busy && client.retry_at >= 0 && now_ >= client.retry_at) {
        client.retry_at = -1;
        send_request(client);
        continue;
      }
      if (!client.busy && issue_new && random_.chance(0.05)) begin(client);
    }
  }

  void begin(Client& client) {
    common::Request r;
    r.client_id = client.client_id;
    r.seq = ++client.seq;
    r.key = "k" + std::to_string(random_.below(static_cast<uint64_t>(options_.keys)));
    history::Op op;
    op.process = history::Process::client(client.process);
    op.type = history::OpType::Invoke;
    op.key = history::Value(r.key);
    const uint64_t pick = random_.below(10);
    if (pick < 4) {
      r.kind = common::OpKind::Get;
      op.f = "read";
    } else if (pick < 8) {
      r.kind = common::OpKind::Put;
      const int64_t v = random_.between(0, 4);
      r.value = std::to_string(v);
      op.f = "write";
      op.value = v;
    } else {
      r.kind = common::OpKind::Cas;
      const int64_t from = random_.between(0, 4), to = random_.between(0, 4);
      r.expected = std::to_string(from);
      r.value = std::to_string(to);
      op.f = "cas";
      op.value = history::Value::array({from, to});
    }
    client.busy = true;
    client.request = r;
    client.invoke = op;
    client.deadline = now_ + options_.client_timeout_ms;
    client.attempts = 0;
    // Each op starts at the client's own node, as Jepsen binds clients to nodes; a
    // NotLeader answer sends it on to the leader for this op only.
    client.target = client.home;
    record(op);
    send_request(client);
  }

  void send_request(Client& client) {
    ++client.attempts;
    mix(client.client_id * 31 + client.seq);
    auto& node = nodes_[client.target];
    if (!node) return;  // a crashed node: the call times out
    T::set_wall_clock(*node, wall(client.target));
    node->request(client.request);
    process(client.target);
  }

  void deliver(const common::Reply& reply) {
    mix(reply.client_id * 131 + reply.seq * 7 + static_cast<uint64_t>(reply.status));
    for (auto& client : clients_) {
      if (!client.busy || client.client_id != reply.client_id || client.request.seq != reply.seq)
        continue;
      if (reply.status == common::ReplyStatus::NotLeader && client.attempts < 5) {
        client.target = !reply.leader.empty() ? reply.leader : ids_[random_.below(ids_.size())];
        client.retry_at = now_ + 2;
        return;
      }
      if (reply.status == common::ReplyStatus::Ok) {
        history::Value value = client.invoke.value;
        if (client.request.kind == common::OpKind::Get)
          value = reply.value ? history::Value(std::stoll(*reply.value)) : history::Value();
        complete(client, history::OpType::Ok, value);
      } else if (common::is_definite_failure(reply.status)) {
        complete(client, history::OpType::Fail, client.invoke.value);
      } else {
        complete(client, history::OpType::Info, client.invoke.value);
      }
      return;
    }
  }

  void complete(Client& client, history::OpType type, history::Value value) {
    history::Op op = client.invoke;
    op.type = type;
    op.value = type == history::OpType::Info ? client.invoke.value : std::move(value);
    record(op);
    if (type == history::OpType::Ok) ++result_.ok_ops;
    client.busy = false;
    client.retry_at = -1;
    if (type == history::OpType::Info) {
      // Jepsen's rule: a process with an unknown outcome never issues again.
      client.process = next_process_++;
      client.client_id = static_cast<uint64_t>(client.process) + 1;
      client.seq = 0;
    }
  }

  void record(history::Op op) {
    op.index = static_cast<int64_t>(result_.history.size());
    op.time = now_ * 1'000'000;
    op.line = op.index + 1;
    result_.history.push_back(std::move(op));
  }

  void check_history() {
    checkers::linearizable::CheckOptions check;
    check.model = checkers::linearizable::ModelKind::Kv;
    check.nil_read = checkers::linearizable::NilRead::Absent;
    check.threads = 1;
    check.time_limit_s = 20;
    checkers::linearizable::LinearizabilityChecker checker(check, "sim seed " + std::to_string(options_.seed));
    for (const auto& op : result_.history) {
      if (auto added = checker.add(op); !added) {
        result_.linearizability_detail = added.error().message;
        return;
      }
    }
    auto checked = checker.check();
    if (!checked) {
      result_.linearizability_detail = checked.error().message;
      return;
    }
    result_.linearizable = checked->verdict;
    if (!checked->problems.empty() && checked->problems[0].counterexample)
      result_.linearizability_detail =
          "key " + history::to_text(checked->problems[0].key) + ": op at line " +
          std::to_string(checked->problems[0].counterexample->failed.line) + " (" +
          checked->problems[0].counterexample->failed.f + " " +
          history::to_text(checked->problems[0].counterexample->failed.value) + ") cannot be linearized";
  }

  void mix(uint64_t x) { trace_ = base::mix64(trace_ ^ x); }
  void hash(const targets::sim::Envelope<typename T::Message>& e) {
    mix(std::hash<std::string>{}(e.from) * 3 + std::hash<std::string>{}(e.to));
    mix(T::hash(e.message));
  }

  SimOptions<typename T::Options> options_;
  base::Random random_;
  targets::sim::Network<typename T::Message> network_;
  std::vector<NodeId> ids_;
  std::map<NodeId, std::unique_ptr<typename T::Node>> nodes_;
  std::map<NodeId, SimDisk<T>> disks_;
  std::map<NodeId, int64_t> skew_;
  struct Strobe {
    int64_t delta = 0;
    SimTime period = 0;  // 0: a plain step that stays until healed
    SimTime until = 0;
  };
  std::map<NodeId, Strobe> strobes_;
  std::map<NodeId, SimTime> phase_;
  std::map<NodeId, int64_t> ticks_;
  RestartSchedule restarts_;
  std::vector<Client> clients_;
  int64_t next_process_ = 0;
  typename T::Safety safety_;
  SimTime now_ = 0;
  uint64_t trace_ = 0;
  SimResult result_;
};


// One line about a run: its seed, the first safety violation, the linearizability verdict.
inline std::string describe(uint64_t seed, const SimResult& r) {
  return "seed " + std::to_string(seed) + ": " +
         (r.violation.empty() ? std::string("no safety violation") : r.violation) +
         "; linearizability " + std::string(checkers::to_string(r.linearizable)) + " " +
         r.linearizability_detail;
}

// For the planted-bug tests: some seed among the first `limit` (run with `run`) breaks
// what the bug should break (`broken`). Prints the first such seed; fails the test if
// there is none. Any target's result type works that has a describe(seed, result).
template <class Options, class Run, class Broken>
void expect_some_seed_breaks(Options options, uint64_t limit, Run run, Broken broken) {
  for (uint64_t seed = 1; seed <= limit; ++seed) {
    options.seed = seed;
    const auto r = run(options);
    if (broken(r)) {
      std::cout << describe(seed, r) << "\n";
      return;
    }
  }
  ADD_FAILURE() << "no seed in 1.." << limit << " broke it";
}

inline bool not_linearizable(const SimResult& r) { return r.linearizable == checkers::Verdict::Invalid; }
inline bool unsafe(const SimResult& r) { return !r.safe(); }

// Runs one seeded simulation to the end (a violation does not stop it: the history is
// still checked, so both kinds of evidence are reported).
template <class T>
SimResult run_sim(const SimOptions<typename T::Options>& options) {
  return SimCluster<T>(options).run();
}

}  // namespace faultline::tests::sim
