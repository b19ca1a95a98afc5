// The 2PC target's bytes: every message, WAL record and client call survives a round
// trip, a replayed WAL gives the image persist() gives, and garbage is an error; and the
// nodes that join the cores to the shared client protocol answer the right client.
#include "targets/twopc/core/wire.h"

#include <gtest/gtest.h>

#include "targets/twopc/core/node.h"

namespace faultline::targets::twopc {
namespace {

Topology bank() { return Topology{"n1", {"n2", "n3"}, 4, 100}; }

TEST(TwoPcWire, MessageWithEveryFieldRoundTrips) {
  Message m;
  m.type = MessageType::Vote;
  m.from = "n2";
  m.to = "n1";
  m.txn = 1234567;
  m.kind = TxnKind::ReadAll;
  m.changes = {{0, -5}, {3, 5}};
  m.participants = {"n2", "n3"};
  m.yes = true;
  m.reason = AbortReason::InsufficientFunds;
  m.balances = {{0, 95}, {2, -1}};
  auto back = decode_message(encode_message(m));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, m);
}

TEST(TwoPcWire, TruncatedOrUnknownMessageIsAnError) {
  Message m;
  m.type = MessageType::Commit;
  std::string bytes = encode_message(m);
  EXPECT_FALSE(decode_message(bytes.substr(0, bytes.size() - 1)).ok());
  bytes[0] = 42;  // no such message type
  EXPECT_FALSE(decode_message(bytes).ok());
  EXPECT_FALSE(decode_message(encode_message(m) + "x").ok());
}

TEST(TwoPcWire, ReplayedParticipantRecordsGiveThePersistedImage) {
  ParticipantReady ready;
  ready.records.push_back(TxnRecord{7, TxnState::Prepared, TxnKind::Transfer, {{0, -5}}, {"n2", "n3"},
                                    AbortReason::None, 1000, -1});
  ready.records.push_back(TxnRecord{8, TxnState::Aborted, TxnKind::ReadAll, {}, {}, AbortReason::Conflict, -1, 1002});
  ready.records.push_back(TxnRecord{7, TxnState::Committed, TxnKind::Transfer, {{0, -5}}, {"n2", "n3"},
                                    AbortReason::None, 1000, 1010});
  ParticipantDurable persisted, replayed;
  persist(persisted, ready);
  for (const auto& r : ready.records) ASSERT_TRUE(replay_record(replayed, encode_record(r)));
  EXPECT_EQ(replayed.txns, persisted.txns);
  EXPECT_FALSE(replay_record(replayed, "\x01").ok());
}

TEST(TwoPcWire, ReplayedCoordinatorRecordsGiveThePersistedImage) {
  CoordinatorReady ready;
  ready.records = {Decision{7, {"n2", "n3"}, false}, Decision{7, {"n2", "n3"}, true}, Decision{9, {"n3"}, false}};
  CoordinatorDurable persisted, replayed;
  persist(persisted, ready);
  for (const auto& d : ready.records) ASSERT_TRUE(replay_record(replayed, encode_record(d)));
  EXPECT_EQ(replayed.commits, persisted.commits);
}

TEST(TwoPcWire, ClientCallsRoundTripThroughTheKeyValueProtocol) {
  ClientCall transfer;
  transfer.request = Request{5, TxnKind::Transfer, 0, 3, 17};
  auto back = from_kv_request(to_kv_request(transfer));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->call, Call::Transaction);
  EXPECT_EQ(back->request, transfer.request);

  ClientCall read;
  read.request = Request{6, TxnKind::ReadAll, 0, 0, 0};
  back = from_kv_request(to_kv_request(read));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->request, read.request);

  ClientCall audit;
  audit.call = Call::Audit;
  back = from_kv_request(to_kv_request(audit));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->call, Call::Audit);

  common::Request put;
  put.kind = common::OpKind::Put;
  put.key = "x";
  EXPECT_FALSE(from_kv_request(put).ok());
}

TEST(TwoPcWire, AuditAndBalancesRoundTrip) {
  Audit audit{"n2", {AuditEntry{7, TxnState::Prepared, {"n2", "n3"}, 250}, AuditEntry{8, TxnState::Aborted, {}, 0}},
              {{0, 95}, {2, 100}}};
  auto back = decode_audit(encode_audit(audit));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->node, "n2");
  ASSERT_EQ(back->txns.size(), 2u);
  EXPECT_EQ(back->txns[0].blocked_ms, 250);
  EXPECT_EQ(back->txns[0].participants, (std::vector<NodeId>{"n2", "n3"}));
  EXPECT_EQ(back->balances, audit.balances);
  EXPECT_EQ(*decode_balances(encode_balances(audit.balances)), audit.balances);
  EXPECT_FALSE(decode_audit("garbage").ok());
}

common::Request kv_call(const ClientCall& call, uint64_t client_id, uint64_t seq) {
  common::Request r = to_kv_request(call);
  r.client_id = client_id;
  r.seq = seq;
  return r;
}

TEST(TwoPcNode, CoordinatorAnswersEveryRequestOfATransactionOnceDecided) {
  CoordinatorNode node(CoordinatorConfig{bank(), 100, 30, {}}, CoordinatorDurable{}, 0);
  ClientCall call;
  call.request = Request{5, TxnKind::Transfer, 0, 1, 10};
  node.request(kv_call(call, 1, 1));
  node.request(kv_call(call, 1, 2));  // the client's retry on a new connection
  node.advance();
  EXPECT_TRUE(node.take_replies().empty());
  for (const NodeId p : {"n2", "n3"}) {
    Message vote;
    vote.type = MessageType::Vote;
    vote.from = p;
    vote.to = "n1";
    vote.txn = 5;
    vote.yes = p == "n2";
    vote.reason = AbortReason::Conflict;
    node.step(vote);
  }
  node.apply(node.ready());
  const auto replies = node.take_replies();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].seq, 1u);
  EXPECT_EQ(replies[1].seq, 2u);
  EXPECT_EQ(replies[0].status, common::ReplyStatus::CasMismatch);  // aborted: final
  EXPECT_EQ(replies[0].value, "conflict");
}

TEST(TwoPcNode, CoordinatorRefusesAnAudit) {
  CoordinatorNode node(CoordinatorConfig{bank(), 100, 30, {}}, CoordinatorDurable{}, 0);
  ClientCall audit;
  audit.call = Call::Audit;
  node.request(kv_call(audit, 1, 1));
  const auto replies = node.take_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].status, common::ReplyStatus::BadRequest);
}

TEST(TwoPcNode, ParticipantAnswersAnAuditAndSendsTransactionsToTheCoordinator) {
  ParticipantNode node(ParticipantConfig{"n2", bank(), 50, 200, {}}, ParticipantDurable{}, 0);
  ClientCall audit;
  audit.call = Call::Audit;
  node.request(kv_call(audit, 1, 1));
  ClientCall transfer;
  transfer.request = Request{5, TxnKind::Transfer, 0, 1, 10};
  node.request(kv_call(transfer, 1, 2));
  const auto replies = node.take_replies();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].status, common::ReplyStatus::Ok);
  auto decoded = decode_audit(replies[0].value.value_or(""));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->balances, (Balances{{0, 100}, {2, 100}}));
  EXPECT_EQ(replies[1].status, common::ReplyStatus::NotLeader);
  EXPECT_EQ(replies[1].leader, "n1");
}

}  // namespace
}  // namespace faultline::targets::twopc
