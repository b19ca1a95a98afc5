// The register and set workloads (workload.h) and make_workload().

#include <string>
#include <utility>
#include <vector>

#include "workloads/workload.h"

namespace faultline::workloads {
namespace {

using history::Value;

// Jepsen's independent generator, in the shape of `jepsen.independent/concurrent-
// generator`: a fixed number of key slots, each holding one key until it has had
// ops_per_key ops, then a key never used before. Linearizability checking is
// exponential in the concurrency of one key's history, so bounding each key's history
// keeps every per-key search small however long the run.
class RegisterGenerator final : public Generator {
 public:
  RegisterGenerator(int keys, int64_t ops_per_key, int64_t max_value)
      : ops_per_key_(ops_per_key), max_value_(max_value) {
    for (int i = 0; i < keys; ++i) slots_.push_back(Slot{next_key_++, 0});
  }

  OpSpec next(base::Random& random) override {
    Slot& slot = slots_[random.below(slots_.size())];
    OpSpec op;
    op.kind = KeyKind::Register;
    op.key = Value("r" + std::to_string(slot.key));
    const uint64_t roll = random.below(10);  // 5 read : 3 write : 2 cas
    if (roll < 5) {
      op.f = "read";
    } else if (roll < 8) {
      op.f = "write";
      op.value = value(random);
    } else {
      op.f = "cas";
      Value from = value(random);
      op.value = Value::array({std::move(from), value(random)});
    }
    if (++slot.ops == ops_per_key_) slot = Slot{next_key_++, 0};
    return op;
  }

 private:
  struct Slot {
    int64_t key;  // the n of "r<n>"
    int64_t ops;  // ops generated on it so far
  };
  Value value(base::Random& random) {
    return Value(static_cast<int64_t>(random.below(static_cast<uint64_t>(max_value_))));
  }

  int64_t ops_per_key_;
  int64_t max_value_;
  int64_t next_key_ = 0;
  std::vector<Slot> slots_;
};

// Adds of 0, 1, 2, ... (each element once, so a read tells exactly which adds took
// effect), each to a random one of the sets, with a read now and then so stale reads
// during the run can show up, not only losses at the end.
class SetGenerator final : public Generator {
 public:
  explicit SetGenerator(int keys) : keys_(keys) {}

  OpSpec next(base::Random& random) override {
    OpSpec op;
    op.kind = KeyKind::Set;
    op.key = set_key(static_cast<int>(random.below(static_cast<uint64_t>(keys_))));
    if (random.chance(kReadShare)) {
      op.f = "read";
    } else {
      op.f = "add";
      op.value = Value(next_element_++);
    }
    return op;
  }

  static Value set_key(int i) { return Value("s" + std::to_string(i)); }

 private:
  static constexpr double kReadShare = 0.1;
  int keys_;
  int64_t next_element_ = 0;
};

// Jepsen's bank: money moves between accounts and every read sees one snapshot of all
// of them, so a read whose total is off, or an outcome that differs between the shards
// of one transfer, shows a broken transaction. Transfers pick accounts on different
// shards so that every transfer is a distributed transaction.
class BankGenerator final : public Generator {
 public:
  BankGenerator(int accounts, int shards) : accounts_(accounts), shards_(shards) {}

  OpSpec next(base::Random& random) override {
    OpSpec op;
    op.kind = KeyKind::Bank;
    if (random.chance(kReadShare)) {
      op.f = "read";
      return op;
    }
    op.f = "transfer";
    const auto from = static_cast<int64_t>(random.below(static_cast<uint64_t>(accounts_)));
    int64_t to = from;
    while (to == from || (shards_ > 1 && to % shards_ == from % shards_))
      to = static_cast<int64_t>(random.below(static_cast<uint64_t>(accounts_)));
    op.value = Value{{"txn", next_txn_++},
                     {"from", from},
                     {"to", to},
                     {"amount", static_cast<int64_t>(1 + random.below(kMaxAmount))}};
    return op;
  }

 private:
  static constexpr double kReadShare = 0.2;
  static constexpr uint64_t kMaxAmount = 5;
  int accounts_;
  int shards_;
  int64_t next_txn_ = 1;
};

base::Error option_error(const std::string& workload, const std::string& what) {
  return base::Error{workload + " workload: " + what};
}

}  // namespace

std::vector<std::string> known_workloads() { return {"bank", "register", "set"}; }

base::Result<Workload> make_workload(const WorkloadOptions& options) {
  const std::string& name = options.name;
  if (name != "register" && name != "set" && name != "bank") {
    std::string known;
    for (const std::string& k : known_workloads()) known += (known.empty() ? "" : ", ") + k;
    return base::Error{"unknown workload \"" + name + "\" (known: " + known + ")"};
  }
  if (options.keys < 1)
    return option_error(name, "keys must be at least 1, got " + std::to_string(options.keys));

  Workload w;
  w.name = name;
  if (name == "register") {
    if (options.ops_per_key < 1)
      return option_error(name, "ops per key must be at least 1, got " +
                                    std::to_string(options.ops_per_key));
    if (options.max_value < 1)
      return option_error(name, "max value must be at least 1, got " +
                                    std::to_string(options.max_value));
    w.generator = std::make_unique<RegisterGenerator>(options.keys, options.ops_per_key,
                                                      options.max_value);
    w.checkers = {"linearizable", "stats"};
    return w;
  }
  if (name == "bank") {
    if (options.shards < 1)
      return option_error(name, "shards must be at least 1, got " + std::to_string(options.shards));
    // Two accounts on different shards are needed for a transfer.
    if (options.keys < 2 || options.keys < options.shards)
      return option_error(name, "needs at least 2 accounts and one per shard, got " +
                                    std::to_string(options.keys) + " accounts for " +
                                    std::to_string(options.shards) + " shards");
    w.generator = std::make_unique<BankGenerator>(options.keys, options.shards);
    for (const auto& node : options.audit_nodes) {
      OpSpec audit;
      audit.f = "audit";
      audit.kind = KeyKind::Bank;
      audit.node = node;
      w.final_ops.push_back(std::move(audit));
    }
    w.checkers = {"twopc", "stats"};
    return w;
  }
  w.generator = std::make_unique<SetGenerator>(options.keys);
  for (int i = 0; i < options.keys; ++i) {
    OpSpec read;
    read.f = "read";
    read.key = SetGenerator::set_key(i);
    read.kind = KeyKind::Set;
    w.final_ops.push_back(std::move(read));
  }
  w.checkers = {"set", "stats"};
  return w;
}

}  // namespace faultline::workloads
