// The mapping of bank ops onto the 2PC client (twopc_client.h): calls from ops,
// completions from outcomes (decided aborts fail with their reason, lost ones are info,
// reads and audits become the JSON the twopc checker reads) and one call through
// make_twopc_client to a node it cannot reach.

#include "workloads/twopc_client.h"

#include <gtest/gtest.h>

namespace faultline::workloads {
namespace {

namespace twopc = targets::twopc;
using history::OpType;
using history::Value;
using twopc::client::Outcome;
using twopc::client::OutcomeType;

OpSpec bank_op(std::string f, Value value = nullptr, std::string node = {}) {
  OpSpec o;
  o.f = std::move(f);
  o.value = std::move(value);
  o.kind = KeyKind::Bank;
  o.node = std::move(node);
  return o;
}

Value transfer_value() { return Value{{"txn", 17}, {"from", 0}, {"to", 5}, {"amount", 3}}; }

BankCall call_for(const OpSpec& op) {
  auto call = to_bank_call(op, 99, "n3");
  EXPECT_TRUE(call.ok()) << call.error().message;
  return call.ok() ? call.value() : BankCall{};
}

Outcome outcome_of(OutcomeType type, std::string error = {}) {
  Outcome o;
  o.type = type;
  o.error = std::move(error);
  return o;
}

TEST(BankMapping, TransferCarriesTheClientsTxnAndAccounts) {
  const BankCall call = call_for(bank_op("transfer", transfer_value()));
  EXPECT_EQ(call.kind, BankCall::Kind::Transfer);
  EXPECT_EQ(call.request.kind, twopc::TxnKind::Transfer);
  EXPECT_EQ(call.request.txn, 17u);
  EXPECT_EQ(call.request.from, 0);
  EXPECT_EQ(call.request.to, 5);
  EXPECT_EQ(call.request.amount, 3);
}

TEST(BankMapping, ReadIsAReadAllUnderItsOwnTxnElseTheClients) {
  const BankCall call = call_for(bank_op("read"));
  EXPECT_EQ(call.kind, BankCall::Kind::ReadAll);
  EXPECT_EQ(call.request.kind, twopc::TxnKind::ReadAll);
  EXPECT_EQ(call.request.txn, 99u);
  // A read that names its transaction runs under that id.
  EXPECT_EQ(call_for(bank_op("read", Value{{"txn", 18}})).request.txn, 18u);
}

TEST(BankMapping, AuditGoesToItsPinnedNodeElseHome) {
  EXPECT_EQ(call_for(bank_op("audit", nullptr, "n2")).node, "n2");
  EXPECT_EQ(call_for(bank_op("audit")).node, "n3");
}

TEST(BankMapping, MalformedOpsAreRefusedBeforeSending) {
  EXPECT_FALSE(to_bank_call(bank_op("cas", Value::array({1, 2})), 99, "n3").ok());
  EXPECT_FALSE(to_bank_call(bank_op("transfer", Value{{"from", 0}, {"to", 5}, {"amount", 3}}), 99, "n3").ok());
  EXPECT_FALSE(to_bank_call(bank_op("transfer", Value{{"txn", 0}, {"from", 0}, {"to", 5}, {"amount", 3}}), 99, "n3")
                   .ok());
  EXPECT_FALSE(
      to_bank_call(bank_op("transfer", Value{{"txn", 4}, {"from", "a"}, {"to", 5}, {"amount", 3}}), 99, "n3").ok());
  EXPECT_FALSE(to_bank_call(bank_op("transfer", nullptr), 99, "n3").ok());
}

TEST(BankMapping, ReadTxnIdsAreAboveTransfersAndDistinctPerClient) {
  EXPECT_EQ(bank_read_txn(7, 3), 10'000'000'007'000'003u);
  EXPECT_NE(bank_read_txn(1, 0), bank_read_txn(1, 1));
  EXPECT_NE(bank_read_txn(1, 0), bank_read_txn(2, 0));
  // Every id has at most the 18 digits the twopc checker reads, for any client id the
  // runner hands out (the ready op's are above 10^9).
  EXPECT_LT(bank_read_txn(2'000'000'000, 999'999), 1'000'000'000'000'000'000u);
}

TEST(BankMapping, CommittedTransferIsOkWithItsValue) {
  const OpSpec op = bank_op("transfer", transfer_value());
  const Completion c = bank_completion(op, call_for(op), outcome_of(OutcomeType::Ok), {}, {});
  EXPECT_EQ(c.type, OpType::Ok);
  EXPECT_EQ(c.value, transfer_value());
  EXPECT_TRUE(c.error.empty());
}

TEST(BankMapping, DecidedAbortIsFailWithItsReason) {
  const OpSpec op = bank_op("transfer", transfer_value());
  Outcome aborted = outcome_of(OutcomeType::Fail, "cas mismatch");
  aborted.reply.status = targets::common::ReplyStatus::CasMismatch;
  aborted.reply.value = "conflict";
  const Completion c = bank_completion(op, call_for(op), aborted, {}, {});
  EXPECT_EQ(c.type, OpType::Fail);
  EXPECT_EQ(c.error, "aborted: conflict");
  EXPECT_EQ(c.value, transfer_value());
}

TEST(BankMapping, TimeoutAfterSendingIsInfoAndNothingSentIsFail) {
  const OpSpec op = bank_op("transfer", transfer_value());
  const Completion lost = bank_completion(op, call_for(op), outcome_of(OutcomeType::Info, "timeout after 1000 ms"),
                                          {}, {});
  EXPECT_EQ(lost.type, OpType::Info);
  EXPECT_EQ(lost.error, "timeout after 1000 ms");
  const Completion refused = bank_completion(op, call_for(op), outcome_of(OutcomeType::Fail, "connect: refused"),
                                             {}, {});
  EXPECT_EQ(refused.type, OpType::Fail);
  EXPECT_EQ(refused.error, "connect: refused");
}

TEST(BankMapping, OkReadIsTheSnapshotKeyedByAccount) {
  const OpSpec op = bank_op("read");
  const Completion c = bank_completion(op, call_for(op), outcome_of(OutcomeType::Ok), {{0, 98}, {3, 102}}, {});
  EXPECT_EQ(c.type, OpType::Ok);
  EXPECT_EQ(c.value, (Value{{"0", 98}, {"3", 102}}));
  // A failed read keeps the invoke's value.
  const Completion f = bank_completion(op, call_for(op), outcome_of(OutcomeType::Fail, "x"), {{0, 98}}, {});
  EXPECT_EQ(f.value, Value());
}

TEST(BankMapping, OkAuditIsTheCheckersAuditJson) {
  twopc::Audit audit;
  audit.node = "n2";
  twopc::AuditEntry committed;
  committed.txn = 17;
  committed.state = twopc::TxnState::Committed;
  committed.participants = {"n2", "n3"};
  committed.blocked_ms = 4;
  twopc::AuditEntry prepared;
  prepared.txn = 18;
  prepared.state = twopc::TxnState::Prepared;
  prepared.participants = {"n2", "n4"};
  prepared.blocked_ms = 5123;
  audit.txns = {committed, prepared};
  audit.balances = {{0, 98}, {3, 100}};
  const OpSpec op = bank_op("audit", nullptr, "n2");
  const Completion c = bank_completion(op, call_for(op), outcome_of(OutcomeType::Ok), {}, audit);
  EXPECT_EQ(c.type, OpType::Ok);
  const Value expected = Value::parse(R"({"node": "n2",
      "txns": {"17": {"state": "committed", "participants": ["n2", "n3"], "blocked_ms": 4},
               "18": {"state": "prepared", "participants": ["n2", "n4"], "blocked_ms": 5123}},
      "balances": {"0": 98, "3": 100}})");
  EXPECT_EQ(c.value, expected);
}

TEST(BankMapping, UnreachableCoordinatorFailsWithoutSending) {
  // Port 1 on loopback refuses at once: nothing was sent, so the transfer did not happen.
  auto client = make_twopc_client({{"n1", "127.0.0.1:1"}, {"n2", "127.0.0.1:1"}}, "n1", "n2", 7,
                                  std::chrono::milliseconds(300));
  const Completion c = client->invoke(bank_op("transfer", transfer_value()));
  EXPECT_EQ(c.type, OpType::Fail) << c.error;
  // A coordinator that is not a node: refused before anything is sent.
  auto lost = make_twopc_client({{"n2", "127.0.0.1:1"}}, "n1", "n2", 7, std::chrono::milliseconds(300));
  EXPECT_EQ(lost->invoke(bank_op("read")).type, OpType::Fail);
}

}  // namespace
}  // namespace faultline::workloads
