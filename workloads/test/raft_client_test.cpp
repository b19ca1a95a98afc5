// The mapping of register and set ops onto the Raft client (raft_client.h): requests,
// completions (outcome straight from the client, read values back to JSON) and one call
// through make_raft_client to nodes it cannot send to.

#include "workloads/raft_client.h"

#include <gtest/gtest.h>

namespace faultline::workloads {
namespace {

namespace raft = targets::raft;
using history::OpType;
using history::Value;
using raft::client::Outcome;
using raft::client::OutcomeType;

OpSpec op(std::string f, std::string key, Value value, KeyKind kind) {
  OpSpec o;
  o.f = std::move(f);
  o.key = Value(std::move(key));
  o.value = std::move(value);
  o.kind = kind;
  return o;
}
OpSpec reg(std::string f, Value value = nullptr) {
  return op(std::move(f), "r3", std::move(value), KeyKind::Register);
}
OpSpec set(std::string f, Value value = nullptr) {
  return op(std::move(f), "s1", std::move(value), KeyKind::Set);
}

raft::Request request(const OpSpec& o) {
  auto r = to_raft_request(o);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? r.value() : raft::Request{};
}

TEST(RaftMapping, RegisterOpsBecomeGetPutCasWithDecimalText) {
  raft::Request get = request(reg("read"));
  EXPECT_EQ(get.kind, raft::OpKind::Get);
  EXPECT_EQ(get.key, "r3");

  raft::Request put = request(reg("write", 4));
  EXPECT_EQ(put.kind, raft::OpKind::Put);
  EXPECT_EQ(put.key, "r3");
  EXPECT_EQ(put.value, "4");

  raft::Request cas = request(reg("cas", Value::array({1, -2})));
  EXPECT_EQ(cas.kind, raft::OpKind::Cas);
  EXPECT_EQ(cas.expected, "1");
  EXPECT_EQ(cas.value, "-2");
  EXPECT_EQ(cas.client_id, 0u);  // left to RaftClient::call
  EXPECT_EQ(cas.seq, 0u);
}

TEST(RaftMapping, SetOpsBecomeAppendAndReadList) {
  raft::Request add = request(set("add", 17));
  EXPECT_EQ(add.kind, raft::OpKind::Append);
  EXPECT_EQ(add.key, "s1");
  EXPECT_EQ(add.value, "17");
  EXPECT_EQ(request(set("read")).kind, raft::OpKind::ReadList);
}

TEST(RaftMapping, OpsItCannotExpressAreErrors) {
  EXPECT_FALSE(to_raft_request(reg("add", 1)).ok());
  EXPECT_FALSE(to_raft_request(set("write", 1)).ok());
  EXPECT_FALSE(to_raft_request(reg("write", 1.5)).ok());
  EXPECT_FALSE(to_raft_request(reg("write", nullptr)).ok());
  EXPECT_FALSE(to_raft_request(reg("cas", 3)).ok());
  EXPECT_FALSE(to_raft_request(reg("cas", Value::array({1}))).ok());
  OpSpec keyless = reg("read");
  keyless.key.reset();
  EXPECT_FALSE(to_raft_request(keyless).ok());
  auto r = to_raft_request(set("cas", Value::array({1, 2})));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("a set has add and read"), std::string::npos);
}

TEST(RaftMapping, TextBecomesAnIntegerOnlyWhenItIsOne) {
  EXPECT_EQ(value_from_text("0"), Value(0));
  EXPECT_EQ(value_from_text("42"), Value(42));
  EXPECT_EQ(value_from_text("-7"), Value(-7));
  EXPECT_EQ(value_from_text("18446744073709551615"), Value(18446744073709551615ULL));
  EXPECT_EQ(value_from_text(""), Value(""));
  EXPECT_EQ(value_from_text("-"), Value("-"));
  EXPECT_EQ(value_from_text("+1"), Value("+1"));
  EXPECT_EQ(value_from_text(" 1"), Value(" 1"));
  EXPECT_EQ(value_from_text("1x"), Value("1x"));
  EXPECT_EQ(value_from_text("99999999999999999999"), Value("99999999999999999999"));
}

Outcome outcome(OutcomeType type, std::string error = {}) {
  Outcome o;
  o.type = type;
  o.error = std::move(error);
  return o;
}

TEST(RaftMapping, OkReadsReturnTheReplyAsJson) {
  Outcome got = outcome(OutcomeType::Ok);
  got.reply.value = "3";
  Completion c = to_completion(reg("read"), got);
  EXPECT_EQ(c.type, OpType::Ok);
  EXPECT_EQ(c.value, Value(3));
  EXPECT_TRUE(c.error.empty());

  Outcome never_written = outcome(OutcomeType::Ok);
  EXPECT_TRUE(to_completion(reg("read"), never_written).value.is_null());

  Outcome odd = outcome(OutcomeType::Ok);
  odd.reply.value = "three";
  EXPECT_EQ(to_completion(reg("read"), odd).value, Value("three"));

  Outcome list = outcome(OutcomeType::Ok);
  list.reply.list = {"0", "5", "2"};
  EXPECT_EQ(to_completion(set("read"), list).value, Value::array({0, 5, 2}));
  EXPECT_EQ(to_completion(set("read"), outcome(OutcomeType::Ok)).value, Value::array());
}

TEST(RaftMapping, OutcomeTypeAndErrorComeStraightFromTheClient) {
  Completion ok = to_completion(reg("cas", Value::array({1, 2})), outcome(OutcomeType::Ok));
  EXPECT_EQ(ok.type, OpType::Ok);
  EXPECT_EQ(ok.value, Value::array({1, 2}));  // not a read: the invoke's value

  Completion fail = to_completion(reg("cas", Value::array({1, 2})),
                                  outcome(OutcomeType::Fail, "cas mismatch"));
  EXPECT_EQ(fail.type, OpType::Fail);
  EXPECT_EQ(fail.error, "cas mismatch");
  EXPECT_EQ(fail.value, Value::array({1, 2}));

  Completion info = to_completion(set("add", 9), outcome(OutcomeType::Info, "timeout at n2"));
  EXPECT_EQ(info.type, OpType::Info);
  EXPECT_EQ(info.error, "timeout at n2");
  EXPECT_EQ(info.value, Value(9));

  // A read that did not complete has no value, even if a reply came with one.
  Outcome lost_read = outcome(OutcomeType::Info);
  lost_read.reply.value = "4";
  Completion read = to_completion(reg("read"), lost_read);
  EXPECT_EQ(read.type, OpType::Info);
  EXPECT_TRUE(read.value.is_null());
  EXPECT_EQ(read.error, "info");  // the client gave no reason
}

TEST(RaftClientMapping, NothingSentIsFailWithTheClientsReason) {
  const std::string address = "127.0.0.1:0";  // the client never sends to port 0
  auto client = make_raft_client({{"n1", address}, {"n2", address}}, "n2", 11,
                                 std::chrono::milliseconds(100));
  Completion c = client->invoke(reg("write", 1));
  EXPECT_EQ(c.type, OpType::Fail);
  EXPECT_NE(c.error.find("no port"), std::string::npos) << c.error;
  EXPECT_EQ(c.value, Value(1));

  // An op the mapping cannot express is never sent.
  Completion bad = client->invoke(set("cas", Value::array({1, 2})));
  EXPECT_EQ(bad.type, OpType::Fail);
  EXPECT_NE(bad.error.find("cannot map cas"), std::string::npos) << bad.error;

  auto nowhere = make_raft_client({}, "", 12, std::chrono::milliseconds(100));
  EXPECT_EQ(nowhere->invoke(reg("read")).type, OpType::Fail);
}

}  // namespace
}  // namespace faultline::workloads
