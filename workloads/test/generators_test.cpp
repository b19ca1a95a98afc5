// The register, set and bank generators (workload.h): deterministic for a seed, the op mix,
// key rotation (Jepsen's independent generator) and unique set elements.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/random.h"
#include "history/op.h"
#include "workloads/workload.h"

namespace faultline::workloads {
namespace {

Workload make(WorkloadOptions options) {
  auto w = make_workload(options);
  EXPECT_TRUE(w.ok()) << w.error().message;
  return std::move(w).value();
}

WorkloadOptions register_options(int keys = 4, int64_t ops_per_key = 400, int64_t max_value = 5) {
  WorkloadOptions o;
  o.name = "register";
  o.keys = keys;
  o.ops_per_key = ops_per_key;
  o.max_value = max_value;
  return o;
}

WorkloadOptions set_options(int keys = 4) {
  WorkloadOptions o;
  o.name = "set";
  o.keys = keys;
  return o;
}

WorkloadOptions bank_options(int accounts, int shards) {
  WorkloadOptions o;
  o.name = "bank";
  o.keys = accounts;
  o.shards = shards;
  return o;
}

// Each op as one line of text, so two runs compare as strings.
std::vector<std::string> run(Generator& g, uint64_t seed, int n) {
  base::Random random(seed);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    OpSpec op = g.next(random);
    out.push_back(op.f + " " + (op.key ? history::to_text(*op.key) : "-") + " " +
                  history::to_text(op.value));
  }
  return out;
}

TEST(RegisterWorkload, SameSeedGivesTheSameOps) {
  Workload a = make(register_options()), b = make(register_options()), c = make(register_options());
  const auto ops = run(*a.generator, 42, 2000);
  EXPECT_EQ(ops, run(*b.generator, 42, 2000));
  EXPECT_NE(ops, run(*c.generator, 43, 2000));
}

TEST(SetWorkload, SameSeedGivesTheSameOps) {
  Workload a = make(set_options()), b = make(set_options()), c = make(set_options());
  const auto ops = run(*a.generator, 7, 2000);
  EXPECT_EQ(ops, run(*b.generator, 7, 2000));
  EXPECT_NE(ops, run(*c.generator, 8, 2000));
}

TEST(RegisterWorkload, MixIsHalfReadsThirtyPercentWritesTwentyPercentCas) {
  Workload w = make(register_options(4, 400, 5));
  base::Random random(1);
  std::map<std::string, int> count;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    OpSpec op = w.generator->next(random);
    ++count[op.f];
    EXPECT_EQ(op.kind, KeyKind::Register);
    if (op.f == "read") {
      EXPECT_TRUE(op.value.is_null());
    } else if (op.f == "write") {
      ASSERT_TRUE(op.value.is_number_integer());
      EXPECT_GE(op.value.get<int64_t>(), 0);
      EXPECT_LT(op.value.get<int64_t>(), 5);
    } else {
      ASSERT_EQ(op.f, "cas");
      ASSERT_TRUE(op.value.is_array());
      ASSERT_EQ(op.value.size(), 2u);
      for (const auto& v : op.value) {
        ASSERT_TRUE(v.is_number_integer());
        EXPECT_GE(v.get<int64_t>(), 0);
        EXPECT_LT(v.get<int64_t>(), 5);
      }
    }
  }
  EXPECT_EQ(count.size(), 3u);
  EXPECT_NEAR(count["read"] / double(n), 0.5, 0.02);
  EXPECT_NEAR(count["write"] / double(n), 0.3, 0.02);
  EXPECT_NEAR(count["cas"] / double(n), 0.2, 0.02);
}

TEST(RegisterWorkload, KeysRetireAfterOpsPerKeyAndAtMostKeysAreActive) {
  const int keys = 3;
  const int64_t per_key = 10;
  Workload w = make(register_options(keys, per_key));
  base::Random random(5);
  std::map<std::string, int64_t> ops;  // per key
  std::set<std::string> retired;
  for (int i = 0; i < 5000; ++i) {
    OpSpec op = w.generator->next(random);
    ASSERT_TRUE(op.key && op.key->is_string());
    const std::string key = op.key->get<std::string>();
    ASSERT_EQ(key[0], 'r');
    ASSERT_FALSE(retired.count(key)) << key << " used after it retired";
    if (++ops[key] == per_key) retired.insert(key);
    ASSERT_LE(ops[key], per_key);
    ASSERT_LE(ops.size() - retired.size(), size_t(keys)) << "too many keys active at op " << i;
  }
  EXPECT_GE(retired.size(), 5000 / size_t(per_key) - keys);  // every key ran to its end
  EXPECT_TRUE(ops.count("r0"));
}

TEST(RegisterWorkload, ChecksLinearizabilityAndHasNoFinalOps) {
  Workload w = make(register_options());
  EXPECT_EQ(w.name, "register");
  EXPECT_EQ(w.checkers, (std::vector<std::string>{"linearizable", "stats"}));
  EXPECT_TRUE(w.final_ops.empty());
}

TEST(SetWorkload, AddsUniqueIncreasingElementsOverEveryKeyWithSomeReads) {
  const int keys = 5;
  Workload w = make(set_options(keys));
  base::Random random(9);
  std::set<std::string> used_keys;
  int64_t last = -1;
  int reads = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    OpSpec op = w.generator->next(random);
    EXPECT_EQ(op.kind, KeyKind::Set);
    ASSERT_TRUE(op.key && op.key->is_string());
    used_keys.insert(op.key->get<std::string>());
    if (op.f == "read") {
      ++reads;
      EXPECT_TRUE(op.value.is_null());
    } else {
      ASSERT_EQ(op.f, "add");
      ASSERT_TRUE(op.value.is_number_integer());
      EXPECT_GT(op.value.get<int64_t>(), last);  // increasing, so never repeated
      last = op.value.get<int64_t>();
    }
  }
  EXPECT_EQ(used_keys, (std::set<std::string>{"s0", "s1", "s2", "s3", "s4"}));
  EXPECT_NEAR(reads / double(n), 0.1, 0.015);
  EXPECT_EQ(last, n - reads - 1);  // 0, 1, 2, ... with no gaps
}

TEST(SetWorkload, FinalOpsReadEveryKeyOnce) {
  Workload w = make(set_options(3));
  EXPECT_EQ(w.checkers, (std::vector<std::string>{"set", "stats"}));
  ASSERT_EQ(w.final_ops.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(w.final_ops[i].f, "read");
    EXPECT_EQ(w.final_ops[i].kind, KeyKind::Set);
    EXPECT_EQ(*w.final_ops[i].key, history::Value("s" + std::to_string(i)));
    EXPECT_TRUE(w.final_ops[i].value.is_null());
  }
}

void expect_error(const WorkloadOptions& options, const std::string& words) {
  auto w = make_workload(options);
  ASSERT_FALSE(w.ok()) << "accepted " << options.name;
  EXPECT_NE(w.error().message.find(words), std::string::npos) << w.error().message;
}

TEST(MakeWorkload, RejectsUnknownNamesAndBadOptions) {
  WorkloadOptions unknown;
  unknown.name = "queue";
  expect_error(unknown, "unknown workload \"queue\" (known: bank, register, set)");
  expect_error(register_options(0), "keys must be at least 1, got 0");
  expect_error(set_options(-2), "set workload: keys must be at least 1, got -2");
  expect_error(register_options(4, 0), "ops per key must be at least 1, got 0");
  expect_error(register_options(4, 10, 0), "max value must be at least 1, got 0");
  // Options the set workload does not use are not checked.
  WorkloadOptions set = set_options();
  set.ops_per_key = 0;
  EXPECT_TRUE(make_workload(set).ok());
  EXPECT_EQ(known_workloads(), (std::vector<std::string>{"bank", "register", "set"}));
  WorkloadOptions bank = bank_options(2, 3);
  expect_error(bank, "needs at least 2 accounts and one per shard, got 2 accounts for 3 shards");
}

TEST(BankWorkload, TransfersCrossShardsWithUniqueTxnIdsAndSomeReads) {
  Workload w = make(bank_options(8, 3));
  base::Random random(7);
  const int n = 5000;
  int reads = 0;
  int64_t last_txn = 0;
  for (int i = 0; i < n; ++i) {
    const OpSpec op = w.generator->next(random);
    EXPECT_EQ(op.kind, KeyKind::Bank);
    EXPECT_FALSE(op.key.has_value());
    if (op.f == "read") {
      ++reads;
      EXPECT_TRUE(op.value.is_null());
      continue;
    }
    ASSERT_EQ(op.f, "transfer");
    const int64_t txn = op.value.at("txn").get<int64_t>();
    EXPECT_EQ(txn, last_txn + 1);  // 1, 2, 3, ...: unique, never 0
    last_txn = txn;
    const int64_t from = op.value.at("from").get<int64_t>(), to = op.value.at("to").get<int64_t>();
    const int64_t amount = op.value.at("amount").get<int64_t>();
    EXPECT_TRUE(from >= 0 && from < 8 && to >= 0 && to < 8);
    EXPECT_NE(from % 3, to % 3) << "a transfer within one shard is not distributed";
    EXPECT_TRUE(amount >= 1 && amount <= 5);
  }
  EXPECT_NEAR(reads / double(n), 0.2, 0.02);
}

TEST(BankWorkload, FinalOpsAuditEveryParticipantOnItsOwnNode) {
  WorkloadOptions options = bank_options(6, 3);
  options.audit_nodes = {"n2", "n3", "n4"};
  Workload w = make(options);
  EXPECT_EQ(w.checkers, (std::vector<std::string>{"twopc", "stats"}));
  ASSERT_EQ(w.final_ops.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(w.final_ops[i].f, "audit");
    EXPECT_EQ(w.final_ops[i].node, options.audit_nodes[i]);
  }
}

TEST(BankWorkload, SameSeedGivesTheSameOps) {
  Workload a = make(bank_options(8, 3)), b = make(bank_options(8, 3));
  EXPECT_EQ(run(*a.generator, 5, 1000), run(*b.generator, 5, 1000));
}

}  // namespace
}  // namespace faultline::workloads
