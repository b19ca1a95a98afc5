// Unit tests of the 2PC cores, each pinned to the protocol rule it shows (Gray 1978;
// presumed abort as in R*). A tiny synchronous network delivers messages in send order
// and can hold back everything to a node; disks keep what each Ready persisted. The
// simulator in tests/sim covers the interleavings.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "targets/twopc/core/coordinator.h"
#include "targets/twopc/core/participant.h"

namespace faultline::targets::twopc {
namespace {

// A coordinator "c" and participants "p1" (accounts 0, 2) and "p2" (accounts 1, 3),
// every account starting at 100.
class Bank {
 public:
  explicit Bank(Bugs bugs = {}) : bugs_(std::move(bugs)) {
    topology_.coordinator = "c";
    topology_.participants = {"p1", "p2"};
    topology_.accounts = 4;
    topology_.initial_balance = 100;
    start("c");
    start("p1");
    start("p2");
  }

  void start(const NodeId& id) {
    if (id == "c") {
      CoordinatorConfig config{topology_, kVoteTimeout, kResend, bugs_};
      coordinator_ = std::make_unique<Coordinator>(config, coordinator_disk_, now_);
    } else {
      ParticipantConfig config{id, topology_, kQuery, kDecisionTimeout, bugs_};
      participants_[id] = std::make_unique<Participant>(config, participant_disks_[id], now_);
    }
  }
  void crash(const NodeId& id) {
    if (id == "c") {
      coordinator_.reset();
    } else {
      participants_.erase(id);
    }
  }
  // Messages to and from `id` are lost while it is cut off.
  void cut(const NodeId& id) { cut_.insert(id); }
  // Every message of `type` is lost until heal().
  void drop(MessageType type) { dropped_.insert(type); }
  void heal() {
    cut_.clear();
    dropped_.clear();
  }

  Coordinator& coordinator() { return *coordinator_; }
  Participant& participant(const NodeId& id) { return *participants_.at(id); }
  const CoordinatorDurable& coordinator_disk() const { return coordinator_disk_; }
  const ParticipantDurable& disk(const NodeId& id) { return participant_disks_[id]; }
  std::vector<Reply>& replies() { return replies_; }
  std::optional<Reply> reply_to(TxnId txn) const {
    for (const auto& r : replies_)
      if (r.txn == txn) return r;
    return std::nullopt;
  }

  void begin(const Request& request) {
    coordinator_->begin(request);
    settle();
  }
  void transfer(TxnId txn, Account from, Account to, Amount amount) {
    begin(Request{txn, TxnKind::Transfer, from, to, amount});
  }

  // Delivers every message, in send order, until none is left.
  void settle() {
    for (int i = 0; i < 100'000; ++i) {
      drain();
      if (wire_.empty()) return;
      Message m = std::move(wire_.front());
      wire_.pop_front();
      if (cut_.count(m.from) || cut_.count(m.to) || dropped_.count(m.type)) continue;
      if (m.to == "c") {
        if (coordinator_) coordinator_->step(m);
      } else if (auto it = participants_.find(m.to); it != participants_.end()) {
        it->second->step(m);
      }
    }
    FAIL() << "did not settle";
  }
  void advance_time(int64_t ms) {
    for (int64_t t = 0; t < ms; t += 10) {
      now_ += 10;
      if (coordinator_) coordinator_->tick(now_);
      for (auto& [id, p] : participants_) p->tick(now_);
      settle();
    }
  }

 private:
  void drain() {
    if (coordinator_) {
      CoordinatorReady r = coordinator_->ready();
      persist(coordinator_disk_, r);
      for (auto& m : r.messages) wire_.push_back(std::move(m));
      replies_.insert(replies_.end(), r.replies.begin(), r.replies.end());
      coordinator_->advance();
      ASSERT_TRUE(coordinator_->check_invariants()) << coordinator_->check_invariants().error().message;
    }
    for (auto& [id, p] : participants_) {
      ParticipantReady r = p->ready();
      persist(participant_disks_[id], r);
      for (auto& m : r.messages) wire_.push_back(std::move(m));
      p->advance();
      ASSERT_TRUE(p->check_invariants()) << p->check_invariants().error().message;
    }
  }

  static constexpr int64_t kVoteTimeout = 100, kResend = 30, kQuery = 50, kDecisionTimeout = 200;
  Bugs bugs_;
  Topology topology_;
  int64_t now_ = 1000;
  std::unique_ptr<Coordinator> coordinator_;
  std::map<NodeId, std::unique_ptr<Participant>> participants_;
  CoordinatorDurable coordinator_disk_;
  std::map<NodeId, ParticipantDurable> participant_disks_;
  std::deque<Message> wire_;
  std::set<NodeId> cut_;
  std::set<MessageType> dropped_;
  std::vector<Reply> replies_;
};

std::optional<TxnState> state_on(Participant& p, TxnId txn) {
  for (const auto& e : p.audit().txns)
    if (e.txn == txn) return e.state;
  return std::nullopt;
}

Message message(MessageType type, const NodeId& from, const NodeId& to, TxnId txn) {
  Message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.txn = txn;
  return m;
}

// The Prepare of transfer `txn` (5 from account 0 to account 1) to a lone participant "p1".
Message prepare_on_p1(TxnId txn) {
  Message m = message(MessageType::Prepare, "c", "p1", txn);
  m.changes = {{0, -5}, {1, 5}};
  m.participants = {"p1"};
  return m;
}

TEST(TwoPcCommit, TransferBetweenTwoParticipantsCommitsOnBoth) {
  Bank bank;
  bank.transfer(7, 0, 1, 30);
  ASSERT_TRUE(bank.reply_to(7));
  EXPECT_EQ(bank.reply_to(7)->status, ReplyStatus::Committed);
  EXPECT_EQ(bank.participant("p1").balances().at(0), 70);
  EXPECT_EQ(bank.participant("p2").balances().at(1), 130);
  EXPECT_EQ(state_on(bank.participant("p1"), 7), TxnState::Committed);
  EXPECT_EQ(state_on(bank.participant("p2"), 7), TxnState::Committed);
  // Every participant acknowledged: the decision is marked ended in the log.
  EXPECT_EQ(bank.coordinator().running(), 0u);
  EXPECT_TRUE(bank.coordinator_disk().commits.at(7).ended);
}

TEST(TwoPcCommit, TransferWithinOneParticipantInvolvesOnlyIt) {
  Bank bank;
  bank.transfer(7, 0, 2, 10);
  EXPECT_EQ(bank.reply_to(7)->status, ReplyStatus::Committed);
  EXPECT_EQ(bank.coordinator_disk().commits.at(7).participants, std::vector<NodeId>{"p1"});
  EXPECT_FALSE(state_on(bank.participant("p2"), 7));
}

TEST(TwoPcAbort, InsufficientFundsVotesNoAndAbortsEverywhere) {
  Bank bank;
  bank.transfer(7, 0, 1, 101);
  ASSERT_TRUE(bank.reply_to(7));
  EXPECT_EQ(bank.reply_to(7)->status, ReplyStatus::Aborted);
  EXPECT_EQ(bank.reply_to(7)->reason, AbortReason::InsufficientFunds);
  EXPECT_EQ(state_on(bank.participant("p1"), 7), TxnState::Aborted);
  EXPECT_EQ(state_on(bank.participant("p2"), 7), TxnState::Aborted);
  EXPECT_EQ(bank.participant("p1").balances().at(0), 100);
  EXPECT_EQ(bank.participant("p2").balances().at(1), 100);
  // Presumed abort: nothing about an abort is logged.
  EXPECT_TRUE(bank.coordinator_disk().commits.empty());
}

TEST(TwoPcAbort, InvalidTransferIsAbortedWithoutAPrepare) {
  Bank bank;
  bank.transfer(7, 0, 0, 5);
  bank.transfer(8, 0, 9, 5);
  bank.transfer(9, 0, 1, 0);
  for (TxnId txn : {7, 8, 9}) {
    ASSERT_TRUE(bank.reply_to(txn));
    EXPECT_EQ(bank.reply_to(txn)->reason, AbortReason::Invalid);
  }
  EXPECT_TRUE(bank.participant("p1").audit().txns.empty());
}

TEST(TwoPcLocking, PrepareOfALockedAccountVotesNo) {
  Bank bank;
  bank.cut("p2");  // 7 prepares on p1 and stays in doubt there
  bank.transfer(7, 0, 1, 10);
  EXPECT_EQ(bank.participant("p1").in_doubt(), std::set<TxnId>{7});
  bank.heal();
  bank.transfer(8, 0, 1, 10);  // account 0 is locked by 7: no-wait, so no
  ASSERT_TRUE(bank.reply_to(8));
  EXPECT_EQ(bank.reply_to(8)->reason, AbortReason::Conflict);
}

TEST(TwoPcRead, ReadAllReturnsEveryBalance) {
  Bank bank;
  bank.transfer(7, 0, 1, 30);
  bank.begin(Request{8, TxnKind::ReadAll});
  ASSERT_TRUE(bank.reply_to(8));
  EXPECT_EQ(bank.reply_to(8)->status, ReplyStatus::Committed);
  EXPECT_EQ(bank.reply_to(8)->balances, (Balances{{0, 70}, {1, 130}, {2, 100}, {3, 100}}));
  // The read locks are gone once it is decided.
  bank.transfer(9, 1, 0, 30);
  EXPECT_EQ(bank.reply_to(9)->status, ReplyStatus::Committed);
}

TEST(TwoPcRead, ReadAllConflictsWithAPreparedTransfer) {
  // A read that saw p1 before a transfer and p2 after it would see money vanish; the
  // transfer's write locks make the read vote no instead.
  Bank bank;
  bank.cut("p2");
  bank.transfer(7, 0, 1, 30);
  bank.heal();
  bank.begin(Request{8, TxnKind::ReadAll});
  ASSERT_TRUE(bank.reply_to(8));
  EXPECT_EQ(bank.reply_to(8)->status, ReplyStatus::Aborted);
  EXPECT_EQ(bank.reply_to(8)->reason, AbortReason::Conflict);
}

TEST(TwoPcRead, PreparedReadAllMakesATransferVoteNo) {
  Bank bank;
  bank.cut("p2");
  bank.begin(Request{8, TxnKind::ReadAll});  // read-locked on p1, in doubt
  bank.heal();
  bank.transfer(9, 0, 1, 10);
  EXPECT_EQ(bank.reply_to(9)->reason, AbortReason::Conflict);
}

TEST(TwoPcDurability, CommitDecisionIsInTheSameReadyAsTheCommitsAndBeforeThem) {
  // The shell persists a Ready's records before it sends its messages (STYLE.md §2), so
  // a Commit never leaves before the decision is logged.
  Topology topology{"c", {"p1"}, 2, 100};
  Coordinator c(CoordinatorConfig{topology, 100, 30, {}}, CoordinatorDurable{}, 0);
  c.begin(Request{7, TxnKind::Transfer, 0, 1, 5});
  c.advance();
  Message vote = message(MessageType::Vote, "p1", "c", 7);
  vote.yes = true;
  c.step(vote);
  const CoordinatorReady r = c.ready();
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].txn, 7u);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].type, MessageType::Commit);
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_EQ(r.replies[0].status, ReplyStatus::Committed);
}

TEST(TwoPcDurability, YesVoteIsInTheSameReadyAsThePreparedRecord) {
  Topology topology{"c", {"p1"}, 2, 100};
  Participant p(ParticipantConfig{"p1", topology, 50, 200, {}}, ParticipantDurable{}, 0);
  p.step(prepare_on_p1(7));
  const ParticipantReady r = p.ready();
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].state, TxnState::Prepared);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_TRUE(r.messages[0].yes);
}

TEST(TwoPcRecovery, InDoubtParticipantStaysLockedAcrossARestartAndAsks) {
  Bank bank;
  bank.cut("p2");
  bank.transfer(7, 0, 1, 10);  // prepared on p1; p2 never hears of it
  bank.crash("p1");
  bank.start("p1");
  EXPECT_EQ(bank.participant("p1").in_doubt(), std::set<TxnId>{7});
  bank.transfer(8, 0, 1, 10);  // still locked after the restart
  EXPECT_EQ(bank.reply_to(8)->reason, AbortReason::Conflict);
  bank.heal();
  bank.advance_time(200);  // the re-sent Prepare reaches p2 now: 7 commits everywhere
  EXPECT_TRUE(bank.participant("p1").in_doubt().empty());
  EXPECT_EQ(state_on(bank.participant("p1"), 7), TxnState::Committed);
  EXPECT_EQ(state_on(bank.participant("p2"), 7), TxnState::Committed);
  EXPECT_EQ(bank.participant("p1").balances().at(0), 90);
}

TEST(TwoPcRecovery, LoggedCommitIsCompletedAfterACoordinatorCrash) {
  Bank bank;
  bank.drop(MessageType::Commit);  // both vote yes, the commit is logged, the Commits are lost
  bank.transfer(7, 0, 1, 10);
  ASSERT_EQ(bank.reply_to(7)->status, ReplyStatus::Committed);
  EXPECT_EQ(bank.participant("p1").in_doubt(), std::set<TxnId>{7});
  bank.crash("c");
  bank.heal();
  bank.start("c");  // re-sends the logged commit at once
  bank.settle();
  EXPECT_EQ(state_on(bank.participant("p1"), 7), TxnState::Committed);
  EXPECT_EQ(state_on(bank.participant("p2"), 7), TxnState::Committed);
  EXPECT_TRUE(bank.coordinator_disk().commits.at(7).ended);
}

TEST(TwoPcRecovery, LateQueryAboutAFinishedCommitIsAnsweredCommit) {
  // Decisions stay in the log, so presumed abort never answers "abort" for a commit.
  Bank bank;
  bank.transfer(7, 0, 1, 10);
  ASSERT_TRUE(bank.coordinator_disk().commits.at(7).ended);
  bank.crash("c");
  bank.start("c");
  bank.coordinator().step(message(MessageType::Query, "p1", "c", 7));
  const CoordinatorReady r = bank.coordinator().ready();
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].type, MessageType::Commit);
}

TEST(TwoPcRecovery, PresumedAbortAnswersAQueryWithoutALoggedCommit) {
  Bank bank;
  bank.cut("p2");
  bank.transfer(7, 0, 1, 10);  // p1 prepared; no decision
  bank.crash("c");             // forgets 7: nothing was logged
  bank.heal();
  bank.start("c");
  bank.advance_time(100);
  EXPECT_EQ(state_on(bank.participant("p1"), 7), TxnState::Aborted);
  EXPECT_TRUE(bank.participant("p1").in_doubt().empty());
}

TEST(TwoPcRecovery, AbortThatOvertakesItsPrepareMakesThePrepareVoteNo) {
  Topology topology{"c", {"p1"}, 2, 100};
  Participant p(ParticipantConfig{"p1", topology, 50, 200, {}}, ParticipantDurable{}, 0);
  p.step(message(MessageType::Abort, "c", "p1", 7));
  p.advance();
  p.step(prepare_on_p1(7));
  const ParticipantReady r = p.ready();
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_FALSE(r.messages[0].yes);
  EXPECT_TRUE(p.in_doubt().empty());
}

TEST(TwoPcBlocking, PreparedParticipantWaitsForAnUnreachableCoordinatorAndReportsHowLong) {
  Bank bank;
  bank.cut("p2");
  bank.transfer(7, 0, 1, 10);
  bank.cut("c");
  bank.advance_time(1000);  // far past every timeout: a correct participant still waits
  Participant& p1 = bank.participant("p1");
  EXPECT_EQ(p1.in_doubt(), std::set<TxnId>{7});
  ASSERT_EQ(p1.audit().txns.size(), 1u);
  EXPECT_EQ(p1.audit().txns[0].state, TxnState::Prepared);
  EXPECT_EQ(p1.audit().txns[0].blocked_ms, 1000);
  bank.heal();
  bank.advance_time(100);
  EXPECT_EQ(state_on(p1, 7), TxnState::Aborted);
  EXPECT_GE(p1.audit().txns[0].blocked_ms, 1000);
}

TEST(TwoPcTimeout, MissingVoteAbortsAfterTheVoteTimeout) {
  Bank bank;
  bank.cut("p2");
  bank.transfer(7, 0, 1, 10);
  EXPECT_FALSE(bank.reply_to(7));
  bank.advance_time(100);
  ASSERT_TRUE(bank.reply_to(7));
  EXPECT_EQ(bank.reply_to(7)->reason, AbortReason::Timeout);
}

TEST(TwoPcTimeout, LostPrepareIsSentAgain) {
  Bank bank;
  bank.cut("p2");
  bank.coordinator().begin(Request{7, TxnKind::Transfer, 0, 1, 10});
  bank.settle();
  bank.heal();
  bank.advance_time(40);  // one re-send interval
  ASSERT_TRUE(bank.reply_to(7));
  EXPECT_EQ(bank.reply_to(7)->status, ReplyStatus::Committed);
}

TEST(TwoPcPlantedBug, ParticipantTimeoutCommitCommitsWhatTheCoordinatorAborted) {
  Bank bank({Bug::ParticipantTimeoutCommit});
  bank.cut("p2");
  bank.transfer(7, 0, 1, 10);  // prepared on p1; the vote times out: aborted
  bank.cut("c");               // and p1 never hears it
  bank.advance_time(300);
  EXPECT_EQ(bank.reply_to(7)->status, ReplyStatus::Aborted);
  EXPECT_EQ(state_on(bank.participant("p1"), 7), TxnState::Committed);
  EXPECT_EQ(bank.participant("p1").balances().at(0), 90);  // the debit without its credit
}

TEST(TwoPcPlantedBug, ParticipantTimeoutAbortAbortsAfterVotingYes) {
  Bank bank({Bug::ParticipantTimeoutAbort});
  bank.cut("p2");
  bank.transfer(7, 0, 1, 10);
  bank.cut("c");
  bank.advance_time(300);
  EXPECT_EQ(state_on(bank.participant("p1"), 7), TxnState::Aborted);
  EXPECT_TRUE(bank.participant("p1").in_doubt().empty());
}

TEST(TwoPcPlantedBug, NoDecisionLogLeavesNothingInTheCoordinatorsLog) {
  Bank bank({Bug::NoDecisionLog});
  bank.transfer(7, 0, 1, 10);
  EXPECT_EQ(bank.reply_to(7)->status, ReplyStatus::Committed);
  EXPECT_TRUE(bank.coordinator_disk().commits.empty());
}

}  // namespace
}  // namespace faultline::targets::twopc
