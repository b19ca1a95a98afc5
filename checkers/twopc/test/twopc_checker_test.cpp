// The 2PC checker's rules (stated in checkers/twopc/twopc_checker.h): one hand-made
// history and set of audits per kind of violation, the valid case, and the cases that
// are reported but not invalid.

#include "checkers/twopc/twopc_checker.h"

#include <gtest/gtest.h>

#include <string>

#include "checkers/linearizable/test/history_builder.h"

namespace faultline::checkers::twopc {
namespace {

using history::Value;
using linearizable::testing::HistoryBuilder;

// Two participants: n2 holds accounts 0 and 2, n3 holds 1 and 3; 100 each, 400 in all.
constexpr int64_t kInitialTotal = 400;

Value transfer(TxnId txn, int from, int to, int amount) {
  return {{"txn", txn}, {"from", from}, {"to", to}, {"amount", amount}};
}

Value balances(int64_t a0, int64_t a1, int64_t a2, int64_t a3) {
  return {{"0", a0}, {"1", a1}, {"2", a2}, {"3", a3}};
}

AuditEntry entry(TxnState state, int64_t blocked_ms = 0) {
  return AuditEntry{state, {"n2", "n3"}, blocked_ms};
}

ParticipantAudit audit(std::string node, std::map<TxnId, AuditEntry> txns, std::map<Account, int64_t> balances) {
  return ParticipantAudit{std::move(node), std::move(txns), std::move(balances)};
}

TwoPcResult check(const HistoryBuilder& h, std::vector<ParticipantAudit> audits,
                  std::optional<int64_t> initial_total = kInitialTotal) {
  auto r = check_twopc(h.ops(), TwoPcOptions{initial_total, std::move(audits)});
  if (r.ok()) return *r;
  ADD_FAILURE() << r.error().message;
  TwoPcResult unknown;
  unknown.verdict = Verdict::Unknown;
  return unknown;
}

// Transfer 1 (0 -> 1, 30) committed; transfer 2 (2 -> 3, 500) aborted for lack of funds;
// transfer 3 (3 -> 0, 10) unknown to its client, committed; a read in between.
HistoryBuilder valid_history() {
  HistoryBuilder h;
  h.invoke(1, "transfer", transfer(1, 0, 1, 30)).ok(1);
  h.invoke(2, "transfer", transfer(2, 2, 3, 500)).fail(2);
  h.invoke(1, "read").ok(1, balances(70, 130, 100, 100));
  h.invoke(3, "transfer", transfer(3, 3, 0, 10)).info(3);
  return h;
}

std::vector<ParticipantAudit> valid_audits() {
  return {audit("n2", {{1, entry(TxnState::Committed, 3)}, {2, entry(TxnState::Aborted)}, {3, entry(TxnState::Committed, 2)}},
                {{"0", 80}, {"2", 100}}),
          audit("n3", {{1, entry(TxnState::Committed, 4)}, {2, entry(TxnState::Aborted)}, {3, entry(TxnState::Committed, 9)}},
                {{"1", 130}, {"3", 90}})};
}

TEST(TwoPcChecker, ConsistentBankHistoryIsValid) {
  const TwoPcResult r = check(valid_history(), valid_audits());
  EXPECT_EQ(r.verdict, Verdict::Valid) << describe(r);
  EXPECT_EQ(r.transfers, 3);
  EXPECT_EQ(r.committed, 1);
  EXPECT_EQ(r.aborted, 1);
  EXPECT_EQ(r.unknown, 1);
  EXPECT_EQ(r.reads, 1);
  EXPECT_EQ(r.audited_txns, 3);
  EXPECT_EQ(r.final_total, 400);
  EXPECT_TRUE(r.atomicity.empty());
  EXPECT_TRUE(r.balances.empty());
  EXPECT_TRUE(r.blocked.empty());
  EXPECT_EQ(r.max_blocked_ms, 9);
  ASSERT_FALSE(r.longest_in_doubt.empty());
  EXPECT_EQ(r.longest_in_doubt[0].txn, 3);
  EXPECT_EQ(r.longest_in_doubt[0].node, "n3");
}

TEST(TwoPcChecker, UnknownTransferMayEndEitherWay) {
  HistoryBuilder h;
  h.invoke(1, "transfer", transfer(1, 0, 1, 30)).info(1);
  const auto aborted = check(h, {audit("n2", {{1, entry(TxnState::Aborted)}}, {{"0", 100}, {"2", 100}}),
                                 audit("n3", {}, {{"1", 100}, {"3", 100}})});
  EXPECT_EQ(aborted.verdict, Verdict::Valid) << describe(aborted);
}

TEST(TwoPcChecker, CommittedOnOneParticipantAndAbortedOnAnotherIsMixedOutcome) {
  HistoryBuilder h;
  h.invoke(1, "transfer", transfer(1, 0, 1, 30)).info(1);
  const TwoPcResult r = check(h, {audit("n2", {{1, entry(TxnState::Committed)}}, {{"0", 70}, {"2", 100}}),
                                  audit("n3", {{1, entry(TxnState::Aborted)}}, {{"1", 100}, {"3", 100}})});
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  ASSERT_EQ(r.atomicity.size(), 1u);
  const AtomicityViolation& v = r.atomicity[0];
  EXPECT_EQ(v.kind, AtomicityViolation::Kind::MixedOutcome);
  EXPECT_EQ(v.txn.txn, 1);
  EXPECT_EQ(v.txn.client, ClientOutcome::Unknown);
  ASSERT_EQ(v.txn.participants.size(), 2u);
  EXPECT_EQ(v.txn.participants[0].outcome, Outcome::Committed);
  EXPECT_EQ(v.txn.participants[1].outcome, Outcome::Aborted);
  EXPECT_EQ(v.description, "txn 1 (transfer 0 -> 1, 30; client: unknown): n2 committed, n3 aborted");
  // The half-applied transfer also loses money.
  ASSERT_EQ(r.balances.size(), 1u);
  EXPECT_EQ(r.balances[0].kind, BalanceViolation::Kind::FinalTotal);
  EXPECT_EQ(r.balances[0].total, 370);
}

TEST(TwoPcChecker, CommittedOnOneParticipantAndMissingOnAnotherIsMixedOutcome) {
  // What a participant that voted before its prepared record was durable leaves behind.
  HistoryBuilder h;
  h.invoke(1, "transfer", transfer(1, 0, 1, 30)).ok(1);
  const TwoPcResult r = check(h, {audit("n2", {}, {{"0", 100}, {"2", 100}}),
                                  audit("n3", {{1, entry(TxnState::Committed)}}, {{"1", 130}, {"3", 100}})});
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  ASSERT_EQ(r.atomicity.size(), 2u);
  EXPECT_EQ(r.atomicity[0].kind, AtomicityViolation::Kind::MixedOutcome);
  EXPECT_EQ(r.atomicity[1].kind, AtomicityViolation::Kind::AcknowledgedCommitNotCommitted);
  EXPECT_EQ(r.atomicity[0].description, "txn 1 (transfer 0 -> 1, 30; client: committed): n2 missing, n3 committed");
}

TEST(TwoPcChecker, ReadAllWithMixedOutcomeIsNamedByItsTxnId) {
  // A read changes no balance, but one outcome per transaction holds for it too; its
  // acknowledged outcome alone is not rule (2).
  HistoryBuilder h;
  h.invoke(1, "read", Value{{"txn", 5}}).ok(1, balances(100, 100, 100, 100));
  const TwoPcResult r = check(h, {audit("n2", {{5, entry(TxnState::Committed)}}, {{"0", 100}, {"2", 100}}),
                                  audit("n3", {{5, entry(TxnState::Aborted)}}, {{"1", 100}, {"3", 100}})});
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  ASSERT_EQ(r.atomicity.size(), 1u);
  EXPECT_EQ(r.atomicity[0].kind, AtomicityViolation::Kind::MixedOutcome);
  EXPECT_EQ(r.atomicity[0].description, "txn 5 (read; client: committed): n2 committed, n3 aborted");
  EXPECT_EQ(r.transfers, 0);
  EXPECT_EQ(r.reads, 1);
}

TEST(TwoPcChecker, AcknowledgedCommitAbortedEverywhereIsInvalid) {
  HistoryBuilder h;
  h.invoke(1, "transfer", transfer(1, 0, 1, 30)).ok(1);
  const TwoPcResult r = check(h, {audit("n2", {{1, entry(TxnState::Aborted)}}, {{"0", 100}, {"2", 100}}),
                                  audit("n3", {{1, entry(TxnState::Aborted)}}, {{"1", 100}, {"3", 100}})});
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  ASSERT_EQ(r.atomicity.size(), 1u);
  EXPECT_EQ(r.atomicity[0].kind, AtomicityViolation::Kind::AcknowledgedCommitNotCommitted);
  EXPECT_EQ(r.atomicity[0].txn.line, 2);
  EXPECT_TRUE(r.balances.empty());
}

TEST(TwoPcChecker, AcknowledgedCommitInNoAuditIsInvalid) {
  HistoryBuilder h;
  h.invoke(1, "transfer", transfer(1, 0, 1, 30)).ok(1);
  const TwoPcResult r = check(h, {audit("n2", {}, {{"0", 100}, {"2", 100}}), audit("n3", {}, {{"1", 100}, {"3", 100}})});
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  ASSERT_EQ(r.atomicity.size(), 1u);
  EXPECT_EQ(r.atomicity[0].kind, AtomicityViolation::Kind::AcknowledgedCommitNotCommitted);
  EXPECT_EQ(r.atomicity[0].description, "txn 1 (transfer 0 -> 1, 30; client: committed): no participant has it");
}

TEST(TwoPcChecker, AcknowledgedAbortCommittedIsInvalid) {
  HistoryBuilder h;
  h.invoke(1, "transfer", transfer(1, 0, 1, 30)).fail(1);
  const TwoPcResult r = check(h, {audit("n2", {{1, entry(TxnState::Committed)}}, {{"0", 70}, {"2", 100}}),
                                  audit("n3", {{1, entry(TxnState::Committed)}}, {{"1", 130}, {"3", 100}})});
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  ASSERT_EQ(r.atomicity.size(), 1u);
  EXPECT_EQ(r.atomicity[0].kind, AtomicityViolation::Kind::AcknowledgedAbortCommitted);
  EXPECT_EQ(r.atomicity[0].txn.client, ClientOutcome::Aborted);
}

TEST(TwoPcChecker, ReadWhoseTotalDiffersIsInvalid) {
  HistoryBuilder h = valid_history();
  h.invoke(4, "read").ok(4, balances(70, 100, 100, 100));  // saw the debit, not the credit
  const TwoPcResult r = check(h, valid_audits());
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  ASSERT_EQ(r.balances.size(), 1u);
  EXPECT_EQ(r.balances[0].kind, BalanceViolation::Kind::ReadTotal);
  EXPECT_EQ(r.balances[0].total, 370);
  EXPECT_EQ(r.balances[0].expected, 400);
  EXPECT_EQ(r.balances[0].line, 10);
  EXPECT_EQ(r.balances[0].description, "the read at line 10 totals 370, not 400 (initial)");
}

TEST(TwoPcChecker, FinalStateWhoseTotalDiffersIsInvalid) {
  auto audits = valid_audits();
  (*audits[1].balances)["3"] = 95;
  const TwoPcResult r = check(valid_history(), audits);
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  ASSERT_EQ(r.balances.size(), 1u);
  EXPECT_EQ(r.balances[0].kind, BalanceViolation::Kind::FinalTotal);
  EXPECT_TRUE(r.balances[0].final_state);
  EXPECT_EQ(r.balances[0].total, 405);
}

TEST(TwoPcChecker, NegativeBalanceIsInvalid) {
  HistoryBuilder h;
  h.invoke(1, "read").ok(1, balances(-10, 110, 100, 200));
  const TwoPcResult r = check(h, {});
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  ASSERT_EQ(r.balances.size(), 1u);
  EXPECT_EQ(r.balances[0].kind, BalanceViolation::Kind::NegativeBalance);
  EXPECT_EQ(r.balances[0].accounts, std::vector<Account>{"0"});
}

TEST(TwoPcChecker, ReadThatLacksAnAccountIsInvalid) {
  HistoryBuilder h = valid_history();
  h.invoke(4, "read").ok(4, Value{{"0", 170}, {"1", 130}, {"2", 100}});
  const TwoPcResult r = check(h, valid_audits());
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  ASSERT_EQ(r.balances.size(), 1u);
  EXPECT_EQ(r.balances[0].kind, BalanceViolation::Kind::ReadMissesAccounts);
  EXPECT_EQ(r.balances[0].accounts, std::vector<Account>{"3"});
}

TEST(TwoPcChecker, StillPreparedTransactionIsReportedBlockedNotInvalid) {
  // The coordinator is unreachable: n2 waits, locked. Correct 2PC blocks.
  HistoryBuilder h;
  h.invoke(1, "transfer", transfer(1, 0, 1, 30)).info(1);
  const TwoPcResult r = check(h, {audit("n2", {{1, entry(TxnState::Prepared, 5000)}}, {{"0", 100}, {"2", 100}}),
                                  audit("n3", {{1, entry(TxnState::Prepared, 4990)}}, {{"1", 100}, {"3", 100}})});
  EXPECT_EQ(r.verdict, Verdict::Valid) << describe(r);
  ASSERT_EQ(r.blocked.size(), 1u);
  EXPECT_EQ(r.blocked[0].txn.txn, 1);
  EXPECT_EQ(r.blocked[0].max_blocked_ms, 5000);
  EXPECT_EQ(r.max_blocked_ms, 5000);
  EXPECT_EQ(r.longest_in_doubt.size(), 2u);
}

TEST(TwoPcChecker, PreparedHereCommittedThereIsBlockedNotMixed) {
  // The commit has not reached n3 yet: it will, once the coordinator is back.
  HistoryBuilder h;
  h.invoke(1, "transfer", transfer(1, 0, 1, 30)).ok(1);
  const TwoPcResult r = check(h, {audit("n2", {{1, entry(TxnState::Committed)}}, {{"0", 70}, {"2", 100}}),
                                  audit("n3", {{1, entry(TxnState::Prepared, 800)}}, {{"1", 100}, {"3", 100}})});
  EXPECT_TRUE(r.atomicity.empty());
  ASSERT_EQ(r.blocked.size(), 1u);
  // The final total is off by the half-applied transfer: unknown, not invalid.
  EXPECT_EQ(r.verdict, Verdict::Unknown);
  EXPECT_NE(r.reason.find("still prepared"), std::string::npos) << r.reason;
}

TEST(TwoPcChecker, MissingAuditOfAParticipantOfACommitIsUnknown) {
  HistoryBuilder h;
  h.invoke(1, "transfer", transfer(1, 0, 1, 30)).ok(1);
  const TwoPcResult r = check(h, {audit("n2", {{1, entry(TxnState::Committed)}}, {})});
  EXPECT_EQ(r.verdict, Verdict::Unknown);
  EXPECT_NE(r.reason.find("no audit of n3"), std::string::npos) << r.reason;
}

TEST(TwoPcChecker, WithoutAnInitialTotalTheFinalStateIsTheReference) {
  HistoryBuilder h = valid_history();
  h.invoke(4, "read").ok(4, balances(70, 100, 100, 100));
  const TwoPcResult r = check(h, valid_audits(), std::nullopt);
  EXPECT_EQ(r.reference, "final state");
  EXPECT_EQ(r.reference_total, 400);
  EXPECT_EQ(r.verdict, Verdict::Invalid);
}

TEST(TwoPcChecker, AuditsRecordedInTheHistoryAreChecked) {
  HistoryBuilder h;
  h.invoke(1, "transfer", transfer(1, 0, 1, 30)).ok(1);
  h.invoke(7, "audit").ok(7, to_json(audit("n2", {{1, entry(TxnState::Committed)}}, {{"0", 70}, {"2", 100}})));
  h.invoke(7, "audit").ok(7, to_json(audit("n3", {{1, entry(TxnState::Aborted)}}, {{"1", 100}, {"3", 100}})));
  const TwoPcResult r = check(h, {});
  EXPECT_EQ(r.audited_nodes, (std::vector<std::string>{"n2", "n3"}));
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  EXPECT_EQ(r.atomicity[0].kind, AtomicityViolation::Kind::MixedOutcome);
}

TEST(TwoPcChecker, AuditJsonRoundTrips) {
  const ParticipantAudit a = audit("n2", {{17, entry(TxnState::Prepared, 12)}, {18, AuditEntry{}}}, {{"0", 5}});
  const Value j = to_json(a);
  EXPECT_EQ(j.at("txns").at("17").at("state"), "prepared");
  EXPECT_FALSE(j.at("txns").at("18").contains("participants"));
  auto back = audit_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->node, "n2");
  EXPECT_EQ(back->txns.at(17).blocked_ms, 12);
  EXPECT_EQ(back->txns.at(17).participants, (std::vector<std::string>{"n2", "n3"}));
  EXPECT_EQ(back->balances, a.balances);
}

TEST(TwoPcChecker, MalformedAuditNamesTheField) {
  auto r = audit_from_json(Value{{"node", "n2"}, {"txns", {{"17", {{"state", "maybe"}}}}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "audit of n2: txn 17: state must be prepared, committed or aborted");
}

TEST(TwoPcChecker, TransferWithoutATxnIdNamesTheLine) {
  HistoryBuilder h;
  h.invoke(1, "transfer", Value{{"from", 0}, {"to", 1}, {"amount", 3}}).ok(1);
  auto r = check_twopc(h.ops(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("line 1: a transfer needs a value", 0), 0u) << r.error().message;
}

TEST(TwoPcChecker, TwoTransfersWithOneTxnIdAreAnError) {
  HistoryBuilder h;
  h.invoke(1, "transfer", transfer(1, 0, 1, 30)).ok(1).invoke(1, "transfer", transfer(1, 1, 0, 30)).ok(1);
  auto r = check_twopc(h.ops(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "line 3: txn 1 is invoked a second time");
}

TEST(TwoPcChecker, EmptyHistoryIsUnknown) {
  const TwoPcResult r = check(HistoryBuilder(), {});
  EXPECT_EQ(r.verdict, Verdict::Unknown);
}

TEST(TwoPcChecker, JsonCarriesEveryViolationAndTheBlockedTimes) {
  HistoryBuilder h;
  h.invoke(1, "transfer", transfer(1, 0, 1, 30)).fail(1);
  h.invoke(2, "transfer", transfer(2, 2, 3, 10)).info(2);
  const TwoPcResult r = check(h, {audit("n2", {{1, entry(TxnState::Committed)}, {2, entry(TxnState::Prepared, 700)}},
                                        {{"0", 70}, {"2", 100}}),
                                  audit("n3", {{1, entry(TxnState::Committed)}, {2, entry(TxnState::Prepared, 650)}},
                                        {{"1", 130}, {"3", 100}})});
  const Value j = to_json(r);
  EXPECT_EQ(j.at("checker"), "twopc");
  EXPECT_EQ(j.at("verdict"), "invalid");
  EXPECT_EQ(j.at("atomicity_violations"), 1);
  EXPECT_EQ(j.at("atomicity")[0].at("kind"), "acknowledged-abort-committed");
  EXPECT_EQ(j.at("atomicity")[0].at("participants")[0].at("outcome"), "committed");
  EXPECT_EQ(j.at("blocked_count"), 1);
  EXPECT_EQ(j.at("blocked")[0].at("max_blocked_ms"), 700);
  EXPECT_EQ(j.at("max_blocked_ms"), 700);
  EXPECT_EQ(j.at("longest_in_doubt")[0].at("node"), "n2");
}

}  // namespace
}  // namespace faultline::checkers::twopc
