// Smoke test of the 2PC target as real processes: a faultline-twopc coordinator and three
// participants on 127.0.0.1 (real TCP, real fsync, temp data dirs). Clients transfer money
// and read every balance while a participant and then the coordinator are killed with
// kill -9 and restarted; once traffic stops every in-doubt transaction resolves, and the
// twopc checker finds one outcome per transaction on every participant, every
// acknowledged outcome kept and the money conserved in every read and in the audits.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

#include "base/random.h"
#include "checkers/twopc/twopc_checker.h"
#include "history/op.h"
#include "targets/twopc/client/client.h"
#include "tests/e2e/local_nodes.h"

namespace faultline::tests {
namespace {

namespace twopc = targets::twopc;
namespace ck = checkers::twopc;
using twopc::client::BankClient;
using twopc::client::OutcomeType;
using Clock = std::chrono::steady_clock;

constexpr int kNodes = 4;  // n1 coordinates; n2, n3, n4 hold the accounts
constexpr int64_t kAccounts = 9;
constexpr int64_t kInitialBalance = 100;

class TwoPcSmoke : public ::testing::Test {
 protected:
  void start(int i) {
    nodes_.start(i, {"--coordinator", "n1", "--accounts", std::to_string(kAccounts), "--initial-balance",
                     std::to_string(kInitialBalance)});
  }

  // The history as the runner would record it: invokes and completions, one op per process
  // at a time, a new process after an info.
  void record(history::Op op) {
    std::lock_guard lock(mu_);
    op.index = static_cast<int64_t>(history_.size());
    op.line = op.index + 1;
    history_.push_back(std::move(op));
  }

  // One client thread until `until`: transfers between accounts on different
  // participants, and every fifth op a read of every balance.
  void client_loop(int thread, Clock::time_point until) {
    BankClient client(nodes_.clients(), "n1", 100 + static_cast<uint64_t>(thread), std::chrono::milliseconds(1000));
    base::Random random(static_cast<uint64_t>(thread) + 1);
    int64_t process = thread;
    while (Clock::now() < until) {
      const twopc::TxnId txn = next_txn_++;
      history::Op op;
      op.process = history::Process::client(process);
      op.type = history::OpType::Invoke;
      twopc::client::Outcome outcome;
      twopc::Balances balances;
      if (random.chance(0.2)) {
        op.f = "read";
        op.value = {{"txn", txn}};
        record(op);
        outcome = client.read_all(txn, balances);
      } else {
        const int64_t from = random.between(0, kAccounts - 1);
        int64_t to = from;
        while (to % 3 == from % 3) to = random.between(0, kAccounts - 1);
        const int64_t amount = random.between(1, 30);
        op.f = "transfer";
        op.value = {{"txn", txn}, {"from", from}, {"to", to}, {"amount", amount}};
        record(op);
        outcome = client.transfer(txn, from, to, amount);
      }
      op.type = outcome.type == OutcomeType::Ok     ? history::OpType::Ok
                : outcome.type == OutcomeType::Fail ? history::OpType::Fail
                                                    : history::OpType::Info;
      if (op.f == "read" && op.type == history::OpType::Ok) {
        op.value = history::Value::object();
        for (const auto& [account, balance] : balances) op.value[std::to_string(account)] = balance;
      }
      record(op);
      if (op.type == history::OpType::Info) process += 1000;  // Jepsen's rule: a fresh process
    }
  }

  // Every participant's audit, once none has a transaction in doubt (or after `limit`).
  std::vector<ck::ParticipantAudit> audits_when_settled(std::chrono::seconds limit) {
    BankClient client(nodes_.clients(), "n1", 99, std::chrono::milliseconds(1000));
    std::vector<ck::ParticipantAudit> audits;
    const auto deadline = Clock::now() + limit;
    for (;;) {
      audits.clear();
      int64_t in_doubt = 0;
      for (const std::string node : {"n2", "n3", "n4"}) {
        twopc::Audit audit;
        const auto outcome = client.audit(node, audit);
        if (outcome.type != OutcomeType::Ok) {
          ++in_doubt;  // not reachable yet: ask again
          continue;
        }
        ck::ParticipantAudit a;
        a.node = audit.node;
        a.balances.emplace();
        for (const auto& [account, balance] : audit.balances) (*a.balances)[std::to_string(account)] = balance;
        for (const auto& e : audit.txns) {
          const auto state = e.state == twopc::TxnState::Prepared    ? ck::TxnState::Prepared
                             : e.state == twopc::TxnState::Committed ? ck::TxnState::Committed
                                                                     : ck::TxnState::Aborted;
          if (state == ck::TxnState::Prepared) ++in_doubt;
          a.txns[static_cast<ck::TxnId>(e.txn)] = ck::AuditEntry{state, e.participants, e.blocked_ms};
        }
        audits.push_back(std::move(a));
      }
      if (in_doubt == 0 || Clock::now() > deadline) return audits;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  LocalNodes nodes_{FAULTLINE_TWOPC_BIN, kNodes, "twopc-smoke"};
  std::mutex mu_;
  std::vector<history::Op> history_;
  std::atomic<twopc::TxnId> next_txn_{1};
};

TEST_F(TwoPcSmoke, KillNineOfAParticipantAndTheCoordinatorKeepsEveryOutcomeAtomic) {
  for (int i = 0; i < kNodes; ++i) start(i);
  constexpr int kClients = 4;
  const auto until = Clock::now() + std::chrono::milliseconds(4000);
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) clients.emplace_back([&, t] { client_loop(t, until); });

  // The faults, by pid: a participant, then the coordinator, each down for a moment.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  nodes_.kill9(2);  // n3
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  start(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  nodes_.kill9(0);  // n1, the coordinator
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  start(0);
  for (auto& c : clients) c.join();

  ck::TwoPcOptions options;
  options.initial_total = kAccounts * kInitialBalance;
  options.audits = audits_when_settled(std::chrono::seconds(15));
  ASSERT_EQ(options.audits.size(), 3u);
  auto result = ck::check_twopc(history_, options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  std::cerr << ck::describe(*result);
  EXPECT_EQ(result->verdict, checkers::Verdict::Valid);
  EXPECT_TRUE(result->blocked.empty()) << "in doubt after the heal";
  EXPECT_GT(result->committed, 50);
  EXPECT_GT(result->reads, 5);
  EXPECT_EQ(result->final_total, kAccounts * kInitialBalance);

  // SIGTERM is a clean exit: status 0 and the pidfile removed.
  for (int i = 0; i < kNodes; ++i) {
    const int status = nodes_.terminate(i);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << nodes_.name(i) << " status " << status;
    EXPECT_FALSE(std::filesystem::exists(nodes_.pidfile(i))) << nodes_.name(i);
  }
}

}  // namespace
}  // namespace faultline::tests
