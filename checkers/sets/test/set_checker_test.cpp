// The set checker's rules, one behaviour per test (the rules are stated in
// checkers/sets/set_checker.h), and the JSONL fixtures of tests/fixtures/jsonl.

#include "checkers/sets/set_checker.h"

#include <gtest/gtest.h>

#include <string>

#include "checkers/linearizable/test/history_builder.h"
#include "history/reader.h"

namespace faultline::checkers::sets {
namespace {

using history::Value;
using linearizable::testing::HistoryBuilder;

const std::string kFixtures = std::string(FAULTLINE_SOURCE_DIR) + "/tests/fixtures/jsonl/";

// The result, or (after recording a test failure) an unknown one.
SetResult or_fail(const base::Result<SetResult>& r) {
  if (r.ok()) return *r;
  ADD_FAILURE() << r.error().message;
  SetResult unknown;
  unknown.verdict = Verdict::Unknown;
  return unknown;
}

SetResult check(const HistoryBuilder& h) { return or_fail(check_set(h.ops())); }

Value list(std::initializer_list<int> xs) {
  Value v = Value::array();
  for (int x : xs) v.push_back(x);
  return v;
}

TEST(SetChecker, ValidHistoryIsValid) {
  HistoryBuilder h;
  h.invoke(1, "add", 1).ok(1).invoke(2, "add", 2).invoke(3, "read").ok(3, list({1})).ok(2);
  h.invoke(1, "read").ok(1, list({2, 1}));
  const SetResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Valid);
  ASSERT_EQ(r.keys.size(), 1u);
  EXPECT_TRUE(r.keys[0].key.is_null());
  EXPECT_EQ(r.keys[0].attempted, 2);
  EXPECT_EQ(r.keys[0].acknowledged, 2);
  EXPECT_EQ(r.keys[0].final_size, 2);
  EXPECT_EQ(r.lost + r.phantom + r.stale_reads, 0);
}

TEST(SetChecker, AcknowledgedAddMissingFromFinalReadIsLost) {
  HistoryBuilder h;
  h.invoke(1, "add", 1).ok(1).invoke(1, "add", 2).ok(1).invoke(2, "read").ok(2, list({2}));
  const SetResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  EXPECT_EQ(r.lost, 1);
  ASSERT_EQ(r.keys.size(), 1u);
  EXPECT_EQ(r.keys[0].lost, std::vector<Value>{1});
}

TEST(SetChecker, ElementSeenEarlierButMissingFromFinalReadIsLost) {
  HistoryBuilder h;
  h.invoke(1, "add", 1).ok(1).invoke(2, "read").ok(2, list({1})).invoke(2, "read").ok(2, list({}));
  const SetResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  EXPECT_EQ(r.keys[0].lost, std::vector<Value>{1});
}

TEST(SetChecker, AddAcknowledgedAfterFinalReadBeganIsLateAndUnknown) {
  HistoryBuilder h;
  h.invoke(1, "add", 1).invoke(2, "read").ok(1).ok(2, list({}));
  const SetResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Unknown);
  EXPECT_EQ(r.lost, 0);
  EXPECT_EQ(r.keys[0].late, std::vector<Value>{1});
  EXPECT_FALSE(r.keys[0].reason.empty());
}

TEST(SetChecker, StaleReadMissingAnAcknowledgedElementIsInvalid) {
  HistoryBuilder h;
  h.invoke(1, "add", 1).ok(1).invoke(1, "add", 2).ok(1);
  h.invoke(2, "read").ok(2, list({2}));  // misses 1, acknowledged before it began
  h.invoke(3, "read").ok(3, list({1, 2}));
  const SetResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  EXPECT_EQ(r.lost, 0);
  EXPECT_EQ(r.stale_reads, 1);
  ASSERT_EQ(r.keys[0].stale.size(), 1u);
  EXPECT_EQ(r.keys[0].stale[0].line, 5);
  EXPECT_EQ(r.keys[0].stale[0].missing_count, 1);
  EXPECT_EQ(r.keys[0].stale[0].missing, std::vector<Value>{1});
}

TEST(SetChecker, ReadConcurrentWithAnAddMayMissIt) {
  HistoryBuilder h;
  h.invoke(2, "read").invoke(1, "add", 1).ok(1).ok(2, list({}));
  h.invoke(3, "read").ok(3, list({1}));
  const SetResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Valid);
  EXPECT_EQ(r.stale_reads, 0);
}

TEST(SetChecker, InfoAddPresentInFinalReadIsRecovered) {
  HistoryBuilder h;
  h.invoke(1, "add", 1).info(1).invoke(2, "add", 2).info(2);
  h.invoke(3, "add", 3);  // never completes
  h.invoke(4, "read").ok(4, list({1, 3}));
  const SetResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Valid);
  EXPECT_EQ(r.keys[0].recovered, (std::vector<Value>{1, 3}));
  EXPECT_EQ(r.keys[0].unrecovered, std::vector<Value>{2});
  EXPECT_EQ(r.recovered, 2);
  EXPECT_EQ(r.unrecovered, 1);
}

TEST(SetChecker, PhantomElementNeverAddedIsInvalid) {
  HistoryBuilder h;
  h.invoke(1, "add", 1).ok(1).invoke(2, "read").ok(2, list({1, 7}));
  h.invoke(2, "read").ok(2, list({1}));
  const SetResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  EXPECT_EQ(r.keys[0].phantom, std::vector<Value>{7});
  EXPECT_EQ(r.lost, 0);
}

TEST(SetChecker, ElementOfOnlyFailedAddsThatIsReadIsInvalid) {
  HistoryBuilder h;
  h.invoke(1, "add", 5).fail(1).invoke(2, "read").ok(2, list({5}));
  const SetResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  EXPECT_EQ(r.keys[0].failed_read, std::vector<Value>{5});
}

TEST(SetChecker, FailedAddMissingFromFinalReadIsFine) {
  HistoryBuilder h;
  h.invoke(1, "add", 5).fail(1).invoke(2, "read").ok(2, list({}));
  EXPECT_EQ(check(h).verdict, Verdict::Valid);
}

TEST(SetChecker, KeyWithoutAnyOkReadIsUnknown) {
  HistoryBuilder h;
  h.invoke(1, "add", 1).ok(1).invoke(2, "read").info(2).invoke(3, "read").fail(3);
  const SetResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Unknown);
  EXPECT_EQ(r.keys[0].verdict, Verdict::Unknown);
  EXPECT_FALSE(r.keys[0].reason.empty());
}

TEST(SetChecker, EmptyHistoryIsUnknown) {
  const SetResult r = check(HistoryBuilder());
  EXPECT_EQ(r.verdict, Verdict::Unknown);
  EXPECT_FALSE(r.reason.empty());
}

TEST(SetChecker, KeysAreCheckedIndependently) {
  HistoryBuilder h;
  h.invoke(1, "add", 1, Value("b")).ok(1).invoke(1, "add", 1, Value("a")).ok(1);
  h.invoke(2, "read", {}, Value("a")).ok(2, list({1}));
  h.invoke(2, "read", {}, Value("b")).ok(2, list({}));  // b lost 1; a has it
  const SetResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  ASSERT_EQ(r.keys.size(), 2u);
  EXPECT_EQ(r.keys[0].key, "a");
  EXPECT_EQ(r.keys[0].verdict, Verdict::Valid);
  EXPECT_EQ(r.keys[1].key, "b");
  EXPECT_EQ(r.keys[1].verdict, Verdict::Invalid);
  EXPECT_EQ(r.keys[1].lost, std::vector<Value>{1});
  EXPECT_EQ(r.lost, 1);
}

TEST(SetChecker, ElementOfAnotherKeyIsPhantom) {
  HistoryBuilder h;
  h.invoke(1, "add", 1, Value("a")).ok(1).invoke(2, "read", {}, Value("b")).ok(2, list({1}));
  h.invoke(2, "read", {}, Value("a")).ok(2, list({1}));
  const SetResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  EXPECT_EQ(r.keys[1].phantom, std::vector<Value>{1});
}

TEST(SetChecker, ElementsAreComparedAsJsonValues) {
  HistoryBuilder h;
  h.invoke(1, "add", "x").ok(1).invoke(1, "add", Value::array({1, 2})).ok(1);
  h.invoke(2, "read").ok(2, Value::array({Value::array({1, 2}), "x"}));
  EXPECT_EQ(check(h).verdict, Verdict::Valid);
  HistoryBuilder g;
  g.invoke(1, "add", 1).ok(1).invoke(2, "read").ok(2, Value::array({1.0}));
  const SetResult r = check(g);
  EXPECT_EQ(r.lost, 1);
  EXPECT_EQ(r.phantom, 1);
}

// Small integers live in a direct table that grows; a large one first goes to a hash
// map and must keep its identity once the table grows past it.
TEST(SetChecker, IntegerElementsKeepTheirIdentityAsTheSetGrows) {
  HistoryBuilder h;
  Value all = Value::array({100000, -5});
  h.invoke(1, "add", 100000).ok(1).invoke(1, "add", -5).ok(1);
  for (int i = 0; i < 30000; ++i) {
    h.invoke(1, "add", i).ok(1);
    all.push_back(i);
  }
  h.invoke(2, "read").ok(2, all);
  const SetResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Valid);
  EXPECT_EQ(r.keys[0].final_size, 30002);
  EXPECT_EQ(r.lost + r.phantom, 0);
}

TEST(SetChecker, NemesisAndOtherOpsAreSkipped) {
  HistoryBuilder h;
  h.invoke(1, "add", 1).ok(1).invoke(5, "write", 3).ok(5);
  std::vector<history::Op> ops = h.ops();
  history::Op nemesis;
  nemesis.process = history::Process::named("nemesis");
  nemesis.type = history::OpType::Info;
  nemesis.f = "start-partition";
  ops.push_back(nemesis);
  ops.push_back(nemesis);
  HistoryBuilder read;
  read.invoke(2, "read").ok(2, list({1}));
  ops.insert(ops.end(), read.ops().begin(), read.ops().end());
  auto r = check_set(ops);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->verdict, Verdict::Valid);
}

TEST(SetChecker, MalformedReadValueIsAnErrorNamingTheLine) {
  HistoryBuilder h;
  h.invoke(1, "add", 1).ok(1).invoke(2, "read").ok(2, 1);
  auto r = check_set(h.ops());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("line 4:"), std::string::npos) << r.error().message;
}

TEST(SetChecker, AddWithoutValueIsAnErrorNamingTheLine) {
  HistoryBuilder h;
  h.invoke(1, "add", 1).ok(1).invoke(1, "add").ok(1);
  auto r = check_set(h.ops());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("line 3:"), std::string::npos) << r.error().message;
}

TEST(SetChecker, InvokeWhilePendingIsAnErrorNamingTheLine) {
  HistoryBuilder h;
  h.invoke(1, "add", 1).invoke(1, "add", 2);
  auto r = check_set(h.ops());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("line 2:"), std::string::npos) << r.error().message;
}

TEST(SetChecker, JsonListsCountsAndCapsElements) {
  HistoryBuilder h;
  Value none = Value::array();
  for (int i = 0; i < 150; ++i) h.invoke(1, "add", i).ok(1);
  h.invoke(2, "read").ok(2, none);
  const Value j = to_json(check(h));
  EXPECT_EQ(j["checker"], "set");
  EXPECT_EQ(j["verdict"], "invalid");
  EXPECT_EQ(j["lost"], 150);
  EXPECT_EQ(j["keys"][0]["lost"]["count"], 150);
  EXPECT_EQ(j["keys"][0]["lost"]["elements"].size(), kMaxListedInJson);
}

SetResult check_fixture(const std::string& name) {
  auto ops = history::read_all(kFixtures + name, history::Format::Jsonl);
  if (!ops.ok()) return or_fail(ops.error());
  return or_fail(check_set(*ops));
}

TEST(SetCheckerFixtures, ValidSetHistoryIsValid) {
  const SetResult r = check_fixture("set-valid.jsonl");
  EXPECT_EQ(r.verdict, Verdict::Valid);
  EXPECT_EQ(r.keys.size(), 2u);
  EXPECT_EQ(r.recovered, 1);
}

TEST(SetCheckerFixtures, LostAddIsInvalid) {
  const SetResult r = check_fixture("set-lost-add.jsonl");
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  EXPECT_EQ(r.lost, 1);
  ASSERT_EQ(r.keys.size(), 1u);
  EXPECT_EQ(r.keys[0].lost, std::vector<Value>{3});
}

}  // namespace
}  // namespace faultline::checkers::sets
