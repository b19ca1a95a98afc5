#include "tests/sim/twopc_sim.h"

#include <map>
#include <memory>
#include <optional>

#include "targets/twopc/core/coordinator.h"
#include "targets/twopc/core/participant.h"

namespace faultline::tests::sim {

namespace {

namespace ck = checkers::twopc;
using twopc::Coordinator;
using twopc::Participant;

// The fake disk (SimDisk: what is not synced is lost in a crash) of either role: the
// persist part of a Ready is its records.
template <class R, class D>
struct DiskTraits {
  using Storage = targets::common::Storage<R>;
  using Ready = R;
  using Durable = D;
  static Ready persist_part(const Ready& ready) {
    Ready part;
    part.records = ready.records;
    return part;
  }
  static void persist(Durable& disk, const Ready& part) { twopc::persist(disk, part); }
};
using CoordinatorDiskTraits = DiskTraits<twopc::CoordinatorReady, twopc::CoordinatorDurable>;
using ParticipantDiskTraits = DiskTraits<twopc::ParticipantReady, twopc::ParticipantDurable>;

struct BankClient {
  int64_t process = 0;
  bool busy = false;
  twopc::Request request;
  history::Op invoke;
  SimTime deadline = 0;
};

history::Value balances_json(const twopc::Balances& balances) {
  history::Value out = history::Value::object();
  for (const auto& [account, balance] : balances) out[std::to_string(account)] = balance;
  return out;
}

ck::ParticipantAudit to_checker(const twopc::Audit& audit) {
  ck::ParticipantAudit out;
  out.node = audit.node;
  for (const auto& e : audit.txns) {
    ck::AuditEntry entry;
    entry.state = e.state == twopc::TxnState::Prepared    ? ck::TxnState::Prepared
                  : e.state == twopc::TxnState::Committed ? ck::TxnState::Committed
                                                          : ck::TxnState::Aborted;
    entry.participants = e.participants;
    entry.blocked_ms = e.blocked_ms;
    out.txns[static_cast<ck::TxnId>(e.txn)] = std::move(entry);
  }
  out.balances.emplace();
  for (const auto& [account, balance] : audit.balances) (*out.balances)[std::to_string(account)] = balance;
  return out;
}

class TwoPcSim {
 public:
  explicit TwoPcSim(const TwoPcSimOptions& options)
      : options_(options), random_(options.seed), network_(base::mix64(options.seed)) {
    network_.set_delay(options.min_delay_ms, options.max_delay_ms);
    topology_.coordinator = "n1";
    for (int i = 0; i < options.participants; ++i) topology_.participants.push_back("n" + std::to_string(i + 2));
    topology_.accounts = options.accounts;
    topology_.initial_balance = options.initial_balance;
    ids_.push_back(topology_.coordinator);
    ids_.insert(ids_.end(), topology_.participants.begin(), topology_.participants.end());
    for (const auto& id : ids_) {
      phase_[id] = random_.between(0, kTickMs - 1);
      start(id);
    }
    for (int c = 0; c < options.clients; ++c) {
      BankClient client;
      client.process = next_process_++;
      clients_.push_back(std::move(client));
    }
  }

  TwoPcSimResult run() {
    const SimTime end = options_.duration_ms + options_.quiesce_ms;
    SimTime next_fault = next_fault_time();
    for (now_ = 0; now_ < end; ++now_) {
      if (now_ < options_.duration_ms && now_ >= next_fault) {
        fault();
        next_fault = next_fault_time();
      }
      if (now_ == options_.duration_ms) heal_all();
      restart_due();
      targets::sim::Envelope<twopc::Message> envelope;
      while (network_.pop_due(now_, envelope)) {
        mix(std::hash<std::string>{}(envelope.from) * 3 + std::hash<std::string>{}(envelope.to));
        mix((static_cast<uint64_t>(envelope.message.type) << 56) ^ envelope.message.txn);
        if (envelope.to == topology_.coordinator) {
          if (coordinator_) coordinator_->step(envelope.message);
        } else if (auto& p = participants_[envelope.to]) {
          p->step(envelope.message);
        }
        process(envelope.to);
      }
      for (const auto& id : ids_) {
        if (!up(id) || (now_ + phase_[id]) % kTickMs != 0) continue;
        if (id == topology_.coordinator) {
          coordinator_->tick(now_);
        } else {
          participants_[id]->tick(now_);
        }
        // The shell's periodic flush: what a skipped sync left buffered reaches the disk.
        if (++ticks_[id] % kFlushEveryTicks == 0) sync(id);
        process(id);
      }
      drive_clients(now_ < options_.duration_ms);
    }
    for (auto& client : clients_)
      if (client.busy) complete(client, history::OpType::Info, client.invoke.value);
    finish();
    return std::move(result_);
  }

 private:
  SimTime next_fault_time() {
    return now_ + random_.between(options_.fault_interval_ms / 2, options_.fault_interval_ms * 3 / 2);
  }
  bool up(const NodeId& id) const {
    if (id == topology_.coordinator) return coordinator_ != nullptr;
    auto it = participants_.find(id);
    return it != participants_.end() && it->second;
  }
  void sync(const NodeId& id) {
    if (id == topology_.coordinator) {
      coordinator_disk_.sync();
    } else {
      participant_disks_[id].sync();
    }
  }

  void start(const NodeId& id) {
    if (id == topology_.coordinator) {
      twopc::CoordinatorConfig config{topology_, options_.vote_timeout_ms, options_.resend_ms, options_.bugs};
      coordinator_ = std::make_unique<Coordinator>(config, coordinator_disk_.durable(), now_);
    } else {
      twopc::ParticipantConfig config{id, topology_, options_.query_ms, options_.decision_timeout_ms, options_.bugs};
      participants_[id] = std::make_unique<Participant>(config, participant_disks_[id].durable(), now_);
    }
    process(id);
  }

  void crash(const NodeId& id) {
    if (!up(id)) return;
    if (id == topology_.coordinator) {
      coordinator_.reset();
      coordinator_disk_.crash();
      ++result_.coordinator_crashes;
    } else {
      participants_[id].reset();
      participant_disks_[id].crash();
    }
    ++result_.crashes;
    restarts_.crashed(id, now_, random_, network_);
    mix(0xc0ffee ^ std::hash<std::string>{}(id));
  }

  void restart_due() {
    restarts_.restart_due(now_, network_, [&](const NodeId& id) { start(id); });
  }

  void heal_all() {
    network_.heal();
    restarts_.all_due(now_);
    restart_due();
  }

  void fault() {
    std::vector<int> kinds;
    if (options_.only_isolate_coordinator) {
      kinds = {2};
    } else {
      if (options_.partitions) kinds.insert(kinds.end(), {0, 1, 2, 2, 3});
      if (options_.loss) kinds.push_back(4);
      if (options_.crashes) kinds.insert(kinds.end(), {5, 5});
    }
    kinds.insert(kinds.end(), {6, 6});  // heal: quiet spells, so that phase 2 often completes
    const int kind = kinds[random_.below(kinds.size())];
    mix(0xfa17 + static_cast<uint64_t>(kind));
    const std::vector<NodeId> shuffled = sim::shuffled(ids_, random_);
    switch (kind) {
      case 0:  // halves
        split_halves(network_, shuffled);
        break;
      case 1:  // isolate one node
        network_.heal();
        network_.isolate(shuffled[0], ids_);
        break;
      case 2:  // isolate the coordinator: its participants block
        network_.heal();
        network_.isolate(topology_.coordinator, ids_);
        break;
      case 3:  // a one-way cut
        network_.cut_one_way(shuffled[0], shuffled[1]);
        break;
      case 4:  // loss on a few pairs, both ways
        for (size_t i = 0; i + 1 < shuffled.size(); ++i) {
          network_.drop(shuffled[i], shuffled[i + 1], 0.3);
          network_.drop(shuffled[i + 1], shuffled[i], 0.3);
        }
        break;
      case 5:  // kill -9 of the coordinator or a participant
        crash(random_.chance(0.4) ? topology_.coordinator : shuffled[0]);
        break;
      default:
        network_.heal();
        break;
    }
  }

  void process(const NodeId& id) {
    auto send = [&](twopc::Message message) {
      const NodeId from = message.from, to = message.to;
      network_.send(from, to, std::move(message), now_);
    };
    for (int round = 0; round < 8 && up(id); ++round) {
      bool did = false;
      base::Status status = base::ok_status();
      if (id == topology_.coordinator) {
        did = twopc::run_ready(*coordinator_, coordinator_disk_, send);
        for (const auto& reply : coordinator_->take_replies()) deliver(reply);
        status = coordinator_->check_invariants();
      } else {
        Participant& p = *participants_[id];
        did = twopc::run_ready(p, participant_disks_[id], send);
        status = p.check_invariants();
      }
      if (!status && result_.violation.empty())
        result_.violation = "t=" + std::to_string(now_) + "ms: " + status.error().message;
      if (!did) break;
    }
  }

  void drive_clients(bool issue_new) {
    for (auto& client : clients_) {
      if (client.busy && now_ >= client.deadline) {
        complete(client, history::OpType::Info, client.invoke.value);
        continue;
      }
      if (!client.busy && issue_new && random_.chance(0.05)) begin(client);
    }
  }

  void begin(BankClient& client) {
    twopc::Request r;
    r.txn = next_txn_++;
    history::Op op;
    op.process = history::Process::client(client.process);
    op.type = history::OpType::Invoke;
    if (random_.chance(options_.read_fraction)) {
      r.kind = twopc::TxnKind::ReadAll;
      op.f = "read";
      op.value = {{"txn", r.txn}};
    } else {
      r.kind = twopc::TxnKind::Transfer;
      r.from = random_.between(0, options_.accounts - 1);
      // Mostly between accounts of different participants: those need both phases.
      do {
        r.to = random_.between(0, options_.accounts - 1);
      } while (r.to == r.from || (random_.chance(0.8) && twopc::owner(topology_, r.to) == twopc::owner(topology_, r.from)));
      r.amount = random_.between(1, options_.initial_balance / 2);
      op.f = "transfer";
      op.value = {{"txn", r.txn}, {"from", r.from}, {"to", r.to}, {"amount", r.amount}};
    }
    client.busy = true;
    client.request = r;
    client.invoke = op;
    client.deadline = now_ + options_.client_timeout_ms;
    record(op);
    mix(r.txn * 31 + static_cast<uint64_t>(r.kind));
    if (!coordinator_) return;  // a crashed coordinator: the call times out
    coordinator_->begin(r);
    process(topology_.coordinator);
  }

  void deliver(const twopc::Reply& reply) {
    mix(reply.txn * 131 + static_cast<uint64_t>(reply.status));
    for (auto& client : clients_) {
      if (!client.busy || client.request.txn != reply.txn) continue;
      if (reply.status == twopc::ReplyStatus::Aborted) {
        complete(client, history::OpType::Fail, client.invoke.value);
      } else {
        const bool read = client.request.kind == twopc::TxnKind::ReadAll;
        complete(client, history::OpType::Ok, read ? balances_json(reply.balances) : client.invoke.value);
      }
      return;
    }
  }

  void complete(BankClient& client, history::OpType type, history::Value value) {
    history::Op op = client.invoke;
    op.type = type;
    op.value = std::move(value);
    record(op);
    const bool transfer = client.request.kind == twopc::TxnKind::Transfer;
    if (type == history::OpType::Ok) ++(transfer ? result_.committed : result_.reads);
    if (type == history::OpType::Fail && transfer) ++result_.aborted;
    if (type == history::OpType::Info && transfer) ++result_.unknown;
    client.busy = false;
    // Jepsen's rule: a process with an unknown outcome never issues again.
    if (type == history::OpType::Info) client.process = next_process_++;
  }

  void record(history::Op op) {
    op.index = static_cast<int64_t>(result_.history.size());
    op.time = now_ * 1'000'000;
    op.line = op.index + 1;
    result_.history.push_back(std::move(op));
  }

  void finish() {
    ck::TwoPcOptions check;
    check.initial_total = options_.accounts * options_.initial_balance;
    for (const auto& id : topology_.participants) {
      const Participant& p = *participants_.at(id);
      result_.in_doubt_at_end += static_cast<int64_t>(p.in_doubt().size());
      check.audits.push_back(to_checker(p.audit()));
    }
    auto checked = ck::check_twopc(result_.history, check);
    if (checked) {
      result_.check = std::move(*checked);
    } else {
      result_.check_error = checked.error().message;
      result_.check.verdict = checkers::Verdict::Unknown;
    }
    result_.trace_hash = trace_;
  }

  void mix(uint64_t x) { trace_ = base::mix64(trace_ ^ x); }

  TwoPcSimOptions options_;
  base::Random random_;
  targets::sim::Network<twopc::Message> network_;
  twopc::Topology topology_;
  std::vector<NodeId> ids_;  // the coordinator, then the participants
  std::unique_ptr<Coordinator> coordinator_;
  std::map<NodeId, std::unique_ptr<Participant>> participants_;
  SimDisk<CoordinatorDiskTraits> coordinator_disk_;
  std::map<NodeId, SimDisk<ParticipantDiskTraits>> participant_disks_;
  std::map<NodeId, SimTime> phase_;
  std::map<NodeId, int64_t> ticks_;
  RestartSchedule restarts_;
  std::vector<BankClient> clients_;
  int64_t next_process_ = 0;
  twopc::TxnId next_txn_ = 1;
  SimTime now_ = 0;
  uint64_t trace_ = 0;
  TwoPcSimResult result_;
};

}  // namespace

TwoPcSimResult run_twopc_sim(const TwoPcSimOptions& options) { return TwoPcSim(options).run(); }

std::string describe(uint64_t seed, const TwoPcSimResult& r) {
  std::string out = "seed " + std::to_string(seed) + ": " +
                    (r.violation.empty() ? std::string("no invariant broken") : r.violation) + "; " +
                    std::to_string(r.in_doubt_at_end) + " in doubt at the end; ";
  if (!r.check_error.empty()) return out + "checker error: " + r.check_error;
  return out + ck::describe(r.check);
}

}  // namespace faultline::tests::sim
