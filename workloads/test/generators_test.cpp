// The register and set generators (workload.h): deterministic for a seed, the op mix,
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
  unknown.name = "bank";
  expect_error(unknown, "unknown workload \"bank\" (known: register, set)");
  expect_error(register_options(0), "keys must be at least 1, got 0");
  expect_error(set_options(-2), "set workload: keys must be at least 1, got -2");
  expect_error(register_options(4, 0), "ops per key must be at least 1, got 0");
  expect_error(register_options(4, 10, 0), "max value must be at least 1, got 0");
  // Options the set workload does not use are not checked.
  WorkloadOptions set = set_options();
  set.ops_per_key = 0;
  EXPECT_TRUE(make_workload(set).ok());
  EXPECT_EQ(known_workloads(), (std::vector<std::string>{"register", "set"}));
}

}  // namespace
}  // namespace faultline::workloads
