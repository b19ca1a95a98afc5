// The search itself: counterexamples, budgets that end in unknown (never a guess),
// resumable slices, determinism and the exact prunings.

#include <gtest/gtest.h>

#include "checkers/linearizable/models/generic.h"
#include "checkers/linearizable/test/history_builder.h"

namespace faultline::checkers::linearizable {
namespace {

using history::Value;
using testing::HistoryBuilder;
using testing::options_for;
using testing::verdict_of;

const std::string kCorpus = std::string(FAULTLINE_SOURCE_DIR) + "/tests/fixtures/knossos/";

TEST(LinearizableCounterexample, NamesTheOpThatCannotBePlacedAndTheStateBeforeIt) {
  HistoryBuilder h;
  h.invoke(1, "write", 1).ok(1);
  h.invoke(1, "write", 2).ok(1);
  h.invoke(2, "read").ok(2, 1);  // stale: line 6
  auto r = h.check(options_for(ModelKind::CasRegister, 0));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->verdict, Verdict::Invalid);
  const Counterexample& ce = *r->problems.at(0).counterexample;
  EXPECT_EQ(ce.failed.line, 5);
  EXPECT_EQ(ce.failed.f, "read");
  EXPECT_EQ(ce.failed.value, Value(1));
  EXPECT_EQ(ce.prefix_length, 2);
  EXPECT_EQ(ce.state_before_failed, "2");
  ASSERT_EQ(ce.prefix_tail.size(), 2u);
  EXPECT_EQ(ce.prefix_tail[0].state_after, "1");
  EXPECT_EQ(ce.prefix_tail[1].state_after, "2");
}

TEST(LinearizableCounterexample, ListsOpsConcurrentWithTheFailedOne) {
  HistoryBuilder h;
  h.invoke(1, "write", 1).ok(1);
  h.invoke(3, "write", 7).invoke(2, "read").ok(2, 9).ok(3);
  auto r = h.check(options_for(ModelKind::CasRegister, 0));
  ASSERT_TRUE(r.ok());
  const Counterexample& ce = *r->problems.at(0).counterexample;
  EXPECT_EQ(ce.failed.value, Value(9));
  ASSERT_EQ(ce.concurrent.size(), 1u);
  EXPECT_EQ(ce.concurrent[0].value, Value(7));
}

// A key whose search space explodes: n concurrent writes of distinct values, then a
// read of a value nobody wrote. Every subset of the writes is a configuration.
void add_hard_key(HistoryBuilder& h, const Value& key, int n) {
  for (int p = 0; p < n; ++p) h.invoke(100 + p, "write", p + 1, key);
  h.invoke(99, "read", nullptr, key).ok(99, 1000);
  for (int p = 0; p < n; ++p) h.ok(100 + p);
}

TEST(LinearizableBudget, MemoryLimitGivesUnknownNotAGuess) {
  HistoryBuilder h;
  add_hard_key(h, "hard", 22);
  CheckOptions o = options_for(ModelKind::Kv, 0);
  o.memory_limit_bytes = 8 << 20;
  auto r = h.check(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->verdict, Verdict::Unknown);
  ASSERT_EQ(r->problems.size(), 1u);
  EXPECT_EQ(r->problems[0].reason, "memory limit");
  EXPECT_LE(r->peak_search_bytes, 8 << 20);
}

TEST(LinearizableBudget, TimeLimitGivesUnknown) {
  HistoryBuilder h;
  add_hard_key(h, "hard", 22);
  CheckOptions o = options_for(ModelKind::Kv, 0);
  o.time_limit_s = 1e-9;  // already over after the first slice
  o.slice_steps = 10;
  auto r = h.check(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->verdict, Verdict::Unknown);
  EXPECT_EQ(r->problems.at(0).reason, "time limit");
}

TEST(LinearizableBudget, HardKeyDoesNotHideAViolationOnAnEasyKey) {
  HistoryBuilder h;
  add_hard_key(h, "hard", 22);  // first in key order
  h.invoke(1, "write", 1, "easy").ok(1).invoke(1, "read", nullptr, "easy").ok(1, 2);
  CheckOptions o = options_for(ModelKind::Kv, 0);
  o.memory_limit_bytes = 8 << 20;
  o.slice_steps = 1000;
  auto r = h.check(o);
  ASSERT_TRUE(r.ok());
  // One key is invalid whatever the other turns out to be.
  EXPECT_EQ(r->verdict, Verdict::Invalid);
  ASSERT_EQ(r->problems.size(), 2u);
  EXPECT_EQ(r->problems[0].verdict, Verdict::Unknown);
  EXPECT_EQ(r->problems[1].verdict, Verdict::Invalid);
}

TEST(LinearizableSearch, SlicesOfOneStepGiveTheSameAnswer) {
  for (const char* file : {"cas-register/bad/cas-failure.edn", "cas-register/good/memstress3-1.edn"}) {
    CheckOptions whole = options_for(ModelKind::CasRegister, 0);
    CheckOptions sliced = whole;
    sliced.slice_steps = 1;
    auto a = check_file(kCorpus + file, history::Format::Edn, whole);
    auto b = check_file(kCorpus + file, history::Format::Edn, sliced);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->verdict, b->verdict) << file;
    ASSERT_EQ(a->problems.size(), b->problems.size());
    if (!a->problems.empty()) {
      EXPECT_EQ(a->problems[0].steps, b->problems[0].steps);
      EXPECT_EQ(a->problems[0].counterexample->failed.line, b->problems[0].counterexample->failed.line);
    }
  }
}

TEST(LinearizableSearch, SameHistoryGivesTheSameCounterexample) {
  CheckOptions o = options_for(ModelKind::CasRegister, 0);
  auto a = check_file(kCorpus + "cas-register/bad/rethink-fail.edn", history::Format::Edn, o);
  o.threads = 2;
  auto b = check_file(kCorpus + "cas-register/bad/rethink-fail.edn", history::Format::Edn, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(to_json(*a)["problems"], to_json(*b)["problems"]);
}

TEST(LinearizableSearch, InterchangeableCrashedOpsAreTriedOnce) {
  // 300 crashed writes of the same two values, then a read that none can explain.
  // Without the earliest-first rule every subset is a configuration; without the
  // skipping of changeless indeterminate ops, every pair of counts.
  HistoryBuilder h;
  for (int p = 0; p < 300; ++p) h.invoke(p + 10, "write", p % 2).info(p + 10);
  h.invoke(1, "read").ok(1, 5);
  auto r = h.check(options_for(ModelKind::CasRegister, 0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->verdict, Verdict::Invalid);
  EXPECT_LT(r->problems.at(0).configs, 2000);
}

TEST(LinearizableSearch, ManyConcurrentCrashedAppendsAreCheap) {
  // 60 crashed appends and an ok read showing 30 of them in some order.
  HistoryBuilder h;
  for (int p = 0; p < 60; ++p) h.invoke(p + 10, "append", p, "k");
  Value seen = Value::array();
  for (int p = 59; p >= 0; p -= 2) seen.push_back(p);
  h.invoke(1, "read", nullptr, "k").ok(1, seen);
  for (int p = 0; p < 60; ++p) h.info(p + 10);
  auto r = h.check(options_for(ModelKind::Kv));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->verdict, Verdict::Valid);
}

}  // namespace
}  // namespace faultline::checkers::linearizable

namespace faultline::checkers::linearizable {
namespace {

TEST(LinearizableBudget, InternedStatesCountTheirHeapMemory) {
  InternedTransitions<GenericModel> t(GenericModel(Value(""), true));
  const int64_t before = t.memory_bytes();
  const std::string chunk(1000, 'x');
  int32_t cls = t.add_class(GenericOp{GenericOp::Kind::Append, chunk, {}});
  int32_t s = t.initial();
  for (int i = 0; i < 100; ++i) s = t.step(s, cls);  // 100 strings of 1..100 kB
  // The states hold about 5 MB of characters (held twice: vector and map key).
  EXPECT_GT(t.memory_bytes() - before, 2 * 5'000'000);
}

TEST(LinearizableBudget, ConcreteStatesStayWithinTheMemoryLimit) {
  HistoryBuilder h;
  for (int p = 0; p < 40; ++p) h.invoke(p + 10, "append", std::string(200, static_cast<char>('a' + p % 26)), "k");
  h.invoke(1, "read", nullptr, "k").ok(1, "nothing like it");
  for (int p = 0; p < 40; ++p) h.info(p + 10);
  CheckOptions o = options_for(ModelKind::Kv);
  o.concrete_append = true;
  o.memory_limit_bytes = 16 << 20;
  auto r = h.check(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->verdict, Verdict::Unknown);
  EXPECT_EQ(r->problems.at(0).reason, "memory limit");
  EXPECT_LE(r->peak_search_bytes, 16 << 20);
}

}  // namespace
}  // namespace faultline::checkers::linearizable
