// Each model's rules, one behaviour per test (the rules are stated in models/*.h).

#include <gtest/gtest.h>

#include "checkers/linearizable/test/history_builder.h"

namespace faultline::checkers::linearizable {
namespace {

using history::Value;
using testing::HistoryBuilder;
using testing::options_for;
using testing::verdict_of;

const CheckOptions kCas = options_for(ModelKind::CasRegister, 0);

TEST(CasRegisterModel, ReadSeesTheLastWrite) {
  HistoryBuilder h;
  h.invoke(1, "write", 3).ok(1).invoke(2, "read").ok(2, 3);
  EXPECT_EQ(verdict_of(h, kCas), Verdict::Valid);
}

TEST(CasRegisterModel, StaleReadAfterAcknowledgedWriteIsInvalid) {
  HistoryBuilder h;
  h.invoke(1, "write", 3).ok(1).invoke(2, "read").ok(2, 0);
  EXPECT_EQ(verdict_of(h, kCas), Verdict::Invalid);
}

TEST(CasRegisterModel, ConcurrentWriteMayBeSeenOrNot) {
  HistoryBuilder seen, unseen;
  seen.invoke(1, "write", 3).invoke(2, "read").ok(2, 3).ok(1);
  unseen.invoke(1, "write", 3).invoke(2, "read").ok(2, 0).ok(1);
  EXPECT_EQ(verdict_of(seen, kCas), Verdict::Valid);
  EXPECT_EQ(verdict_of(unseen, kCas), Verdict::Valid);
}

TEST(CasRegisterModel, CasTakesEffectOnlyFromTheExpectedValue) {
  HistoryBuilder good, bad;
  good.invoke(1, "cas", Value::array({0, 5})).ok(1).invoke(2, "read").ok(2, 5);
  bad.invoke(1, "cas", Value::array({1, 5})).ok(1);
  EXPECT_EQ(verdict_of(good, kCas), Verdict::Valid);
  EXPECT_EQ(verdict_of(bad, kCas), Verdict::Invalid);
}

TEST(CasRegisterModel, FailedOpsDidNotHappen) {
  HistoryBuilder h;
  h.invoke(1, "write", 3).fail(1).invoke(2, "read").ok(2, 3);
  EXPECT_EQ(verdict_of(h, kCas), Verdict::Invalid);
}

TEST(CasRegisterModel, InfoOpMayTakeEffectLaterOrNever) {
  HistoryBuilder later, never;
  later.invoke(1, "write", 3).info(1).invoke(2, "read").ok(2, 0).invoke(2, "read").ok(2, 3);
  never.invoke(1, "write", 3).info(1).invoke(2, "read").ok(2, 0);
  EXPECT_EQ(verdict_of(later, kCas), Verdict::Valid);
  EXPECT_EQ(verdict_of(never, kCas), Verdict::Valid);
}

TEST(CasRegisterModel, InfoOpTakesEffectAtMostOnce) {
  HistoryBuilder h;
  h.invoke(1, "write", 3).info(1);
  h.invoke(2, "read").ok(2, 3).invoke(2, "write", 4).ok(2).invoke(2, "read").ok(2, 3);
  EXPECT_EQ(verdict_of(h, kCas), Verdict::Invalid);
}

TEST(CasRegisterModel, InvokeThatNeverCompletesIsIndeterminate) {
  HistoryBuilder h;
  h.invoke(1, "write", 3).invoke(2, "read").ok(2, 3);
  EXPECT_EQ(verdict_of(h, kCas), Verdict::Valid);
}

TEST(CasRegisterModel, NilReadIsUnknownByDefaultAndAbsentOnRequest) {
  HistoryBuilder h;
  h.invoke(1, "write", 3).ok(1).invoke(2, "read").ok(2, nullptr);
  EXPECT_EQ(verdict_of(h, options_for(ModelKind::CasRegister)), Verdict::Valid);
  CheckOptions absent = options_for(ModelKind::CasRegister);
  absent.nil_read = NilRead::Absent;
  EXPECT_EQ(verdict_of(h, absent), Verdict::Invalid);
}

TEST(CasRegisterModel, MalformedCasValueNamesTheLine) {
  HistoryBuilder h;
  h.invoke(1, "write", 1).ok(1).invoke(1, "cas", 7).ok(1);
  auto r = h.check(kCas);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "test:3: expected the value of a cas to be [from to], got 7");
}

TEST(RegisterModel, RejectsCasNamingTheLine) {
  HistoryBuilder h;
  h.invoke(1, "cas", Value::array({0, 1})).ok(1);
  auto r = h.check(options_for(ModelKind::Register, 0));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("test:1: the register model has no operation \"cas\""),
            std::string::npos)
      << r.error().message;
}

TEST(MutexModel, TwoHoldersAtOnceAreInvalid) {
  HistoryBuilder h;
  h.invoke(1, "acquire").ok(1).invoke(2, "acquire").ok(2);
  EXPECT_EQ(verdict_of(h, options_for(ModelKind::Mutex)), Verdict::Invalid);
}

TEST(MutexModel, IndeterminateReleaseMayHaveFreedTheLock) {
  HistoryBuilder h;
  h.invoke(1, "acquire").ok(1).invoke(1, "release").info(1).invoke(2, "acquire").ok(2);
  EXPECT_EQ(verdict_of(h, options_for(ModelKind::Mutex)), Verdict::Valid);
}

const CheckOptions kKv = options_for(ModelKind::Kv);

TEST(AppendModel, ReadsSeeAppendsInOrder) {
  HistoryBuilder h;
  h.invoke(1, "append", 1, "k").ok(1).invoke(1, "append", 2, "k").ok(1);
  h.invoke(2, "read", nullptr, "k").ok(2, Value::array({1, 2}));
  EXPECT_EQ(verdict_of(h, kKv), Verdict::Valid);
}

TEST(AppendModel, ConcurrentAppendsMayLandInEitherOrder) {
  HistoryBuilder h;
  h.invoke(1, "append", 1, "k").invoke(2, "append", 2, "k").ok(1).ok(2);
  h.invoke(3, "read", nullptr, "k").ok(3, Value::array({2, 1}));
  EXPECT_EQ(verdict_of(h, kKv), Verdict::Valid);
}

TEST(AppendModel, AcknowledgedAppendMissingFromLaterReadIsInvalid) {
  HistoryBuilder h;
  h.invoke(1, "append", 1, "k").ok(1).invoke(1, "append", 2, "k").ok(1);
  h.invoke(2, "read", nullptr, "k").ok(2, Value::array({2}));
  EXPECT_EQ(verdict_of(h, kKv), Verdict::Invalid);
}

TEST(AppendModel, ReadsThatDisagreeOnOrderAreInvalid) {
  HistoryBuilder h;
  h.invoke(1, "append", 1, "k").invoke(2, "append", 2, "k").ok(1).ok(2);
  h.invoke(3, "read", nullptr, "k").ok(3, Value::array({1, 2}));
  h.invoke(3, "read", nullptr, "k").ok(3, Value::array({2, 1}));
  EXPECT_EQ(verdict_of(h, kKv), Verdict::Invalid);
}

TEST(AppendModel, CrashedAppendMayShowUpLaterOrNever) {
  HistoryBuilder shown, hidden;
  shown.invoke(1, "append", 1, "k").info(1).invoke(2, "read", nullptr, "k").ok(2, Value::array({1}));
  hidden.invoke(1, "append", 1, "k").info(1).invoke(2, "read", nullptr, "k").ok(2, Value::array());
  EXPECT_EQ(verdict_of(shown, kKv), Verdict::Valid);
  EXPECT_EQ(verdict_of(hidden, kKv), Verdict::Valid);
}

TEST(AppendModel, AppendsToAStringConcatenate) {
  HistoryBuilder h;
  h.invoke(1, "append", "ab", "s").ok(1).invoke(2, "append", "c", "s").ok(2);
  h.invoke(3, "read", nullptr, "s").ok(3, "abc");
  EXPECT_EQ(verdict_of(h, kKv), Verdict::Valid);
  HistoryBuilder bad;
  bad.invoke(1, "append", "ab", "s").ok(1).invoke(2, "append", "c", "s").ok(2);
  bad.invoke(3, "read", nullptr, "s").ok(3, "cab");
  EXPECT_EQ(verdict_of(bad, kKv), Verdict::Invalid);
}

TEST(AppendModel, ReadOfWrongKindNamesTheLine) {
  HistoryBuilder h;
  h.invoke(1, "append", 1, "k").ok(1).invoke(2, "read", nullptr, "k").ok(2, 5);
  auto r = h.check(kKv);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "test:3: expected a read of this key to return a list, got 5");
}

TEST(KvModel, KeyMixingWritesAndAppendsUsesConcreteValues) {
  HistoryBuilder h;
  h.invoke(1, "write", Value::array({7}), "k").ok(1).invoke(1, "append", 8, "k").ok(1);
  h.invoke(2, "read", nullptr, "k").ok(2, Value::array({7, 8}));
  EXPECT_EQ(verdict_of(h, kKv), Verdict::Valid);
  HistoryBuilder bad;
  bad.invoke(1, "write", Value::array({7}), "k").ok(1).invoke(1, "append", 8, "k").ok(1);
  bad.invoke(2, "read", nullptr, "k").ok(2, Value::array({8}));
  EXPECT_EQ(verdict_of(bad, kKv), Verdict::Invalid);
}

TEST(KvModel, KeysAreCheckedIndependently) {
  HistoryBuilder h;
  h.invoke(1, "write", 1, "a").ok(1).invoke(2, "write", 2, "b").ok(2);
  h.invoke(1, "read", nullptr, "a").ok(1, 1).invoke(2, "read", nullptr, "b").ok(2, 1);
  auto r = h.check(kKv);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->verdict, Verdict::Invalid);
  EXPECT_EQ(r->keys, 2);
  EXPECT_EQ(r->valid_keys, 1);
  ASSERT_EQ(r->problems.size(), 1u);
  EXPECT_EQ(r->problems[0].key, Value("b"));
}

TEST(KvModel, JepsenIndependentTuplesCarryTheKey) {
  HistoryBuilder h;
  h.invoke(1, "write", Value::array({"x", 1})).ok(1);
  h.invoke(2, "read", Value::array({"x", nullptr})).ok(2, Value::array({"x", 2}));
  auto r = h.check(kKv);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->verdict, Verdict::Invalid);
  EXPECT_EQ(r->problems[0].key, Value("x"));
}

TEST(MultiRegisterModel, TxnReadsOneSnapshot) {
  const CheckOptions o = options_for(ModelKind::MultiRegister, {{"x", 0}, {"y", 0}});
  auto w = Value::array({Value::array({"write", "x", 1}), Value::array({"write", "y", 1})});
  HistoryBuilder good, torn;
  good.invoke(1, "txn", w).ok(1).invoke(2, "txn", Value::array({Value::array({"read", "x", nullptr}),
                                                                 Value::array({"read", "y", nullptr})}));
  good.ok(2, Value::array({Value::array({"read", "x", 1}), Value::array({"read", "y", 1})}));
  torn.invoke(1, "txn", w).ok(1).invoke(2, "txn", Value::array({Value::array({"read", "x", nullptr}),
                                                                 Value::array({"read", "y", nullptr})}));
  torn.ok(2, Value::array({Value::array({"read", "x", 1}), Value::array({"read", "y", 0})}));
  EXPECT_EQ(verdict_of(good, o), Verdict::Valid);
  EXPECT_EQ(verdict_of(torn, o), Verdict::Invalid);
}

TEST(HistoryJoin, SecondInvokeWhilePendingNamesBothLines) {
  HistoryBuilder h;
  h.invoke(1, "write", 1).invoke(1, "read");
  auto r = h.check(kCas);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "test:2: process 1 invoked \"read\" while its op from line 1 is still pending");
}

TEST(HistoryJoin, OkWithoutInvokeIsAnError) {
  history::Op op;
  op.process = history::Process::client(4);
  op.type = history::OpType::Ok;
  op.f = "read";
  op.line = 9;
  LinearizabilityChecker checker(kCas, "h.jsonl");
  auto s = checker.add(op);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "h.jsonl:9: \"ok\" for process 4, which has no pending invoke");
}

TEST(HistoryJoin, ProcessIdAfterInfoStartsANewOperation) {
  // Jepsen gives the thread a new id after info, but a reused id must not be read
  // as a completion of the crashed op: the crashed write may still land later.
  HistoryBuilder h;
  h.invoke(1, "write", 3).info(1).invoke(1, "read").ok(1, 0).invoke(2, "read").ok(2, 3);
  auto r = h.check(kCas);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->verdict, Verdict::Valid);
  EXPECT_EQ(r->operations, 3);
}

TEST(HistoryJoin, NemesisOpsAreNotClientOps) {
  HistoryBuilder h;
  h.invoke(1, "write", 1).ok(1);
  history::Op nemesis;
  nemesis.process = history::Process::named("nemesis");
  nemesis.type = history::OpType::Info;
  nemesis.f = "start-partition";
  LinearizabilityChecker checker(kCas, "t");
  for (const auto& op : h.ops()) ASSERT_TRUE(checker.add(op).ok());
  ASSERT_TRUE(checker.add(nemesis).ok());
  auto r = checker.check();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->operations, 1);
  EXPECT_EQ(r->events, 3);
}

}  // namespace
}  // namespace faultline::checkers::linearizable
