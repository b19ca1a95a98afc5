// Smoke test of the ZAB target as real processes: three faultline-zab servers on
// 127.0.0.1 (real TCP, real fsync, temp data dirs, free ports of their own). A leader
// is established, writes commit and every server answers reads; kill -9 of the leader
// loses no acknowledged write and a new leader serves; the killed server recovers its
// history from its WAL, rejoins and catches up. Processes are started with fork/exec and
// stopped by pid only; the fixture kills them and removes the temp dirs also when the
// test fails. Every wait polls under one deadline, so a run ends within 30 s.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "tests/e2e/acked_writes.h"
#include "tests/e2e/local_nodes.h"

namespace faultline::tests {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kNodes = 3;
// Sync reads each wait for a marker through the leader (logged on every server); reading
// thousands back one at a time would take most of the budget, concurrent ones share
// markers.
constexpr int kReaders = 8;

class ZabSmoke : public ::testing::Test {
 protected:
  // What is left of the test's 25 s budget (the run's limit is 30 s).
  std::chrono::milliseconds left() const {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    return std::max(ms, std::chrono::milliseconds(0));
  }

  // Reads `key` through a client bound to node `i` until that node itself answers with
  // `value`: it serves clients (is in the broadcast phase) and has delivered the write.
  // Returns the seconds it took, or -1 (and a test failure).
  double read_at_until(int i, const std::string& key, const std::string& value) {
    KvClient client(nodes_.clients(), 500 + static_cast<uint64_t>(i), std::chrono::milliseconds(1000),
                    nodes_.name(i));
    const auto start = Clock::now();
    Outcome outcome;
    while (left().count() > 0) {
      outcome = client.call(kv_get(key));
      if (outcome.type == OutcomeType::Ok && outcome.node == nodes_.name(i) && outcome.reply.value == value)
        return std::chrono::duration<double>(Clock::now() - start).count();
    }
    ADD_FAILURE() << nodes_.name(i) << " never answered " << key << " = " << value << " (last: node '"
                  << outcome.node << "' " << outcome.error << ")";
    return -1;
  }

  // The last "recovered ..." line of node i's log (one per start).
  std::string recovery_line(int i) const {
    std::ifstream log(nodes_.root() / (nodes_.name(i) + ".log"));
    std::string line, last;
    while (std::getline(log, line))
      if (line.find(": recovered ") != std::string::npos) last = line;
    return last;
  }

  void scenario(const std::string& read_mode);

  LocalNodes nodes_{FAULTLINE_ZAB_BIN, kNodes, "zab-smoke"};
  AckedWrites acked_;
  Clock::time_point deadline_ = Clock::now() + std::chrono::seconds(25);
};

void ZabSmoke::scenario(const std::string& read_mode) {
  for (int i = 0; i < kNodes; ++i) nodes_.start(i, {"--read-mode", read_mode});
  KvClient client(nodes_.clients(), 1, std::chrono::milliseconds(1000));

  // 1. A leader is established: a put is acknowledged (followers redirect it there).
  const double elect_s = acked_.put_until_ok(client, "first", "1", left());
  ASSERT_GE(elect_s, 0);
  std::cerr << "first acknowledged put after " << elect_s * 1000 << " ms, leader "
            << client.last_leader() << "\n";
  for (int i = 0; i < kNodes; ++i) EXPECT_TRUE(fs::exists(nodes_.pidfile(i))) << nodes_.name(i);

  // 2. Concurrent writers, then every acknowledged write reads back; and every server,
  // followers included, answers reads itself.
  constexpr int kWriters = 8;
  const auto write_for = std::chrono::milliseconds(1500);
  const int infos = acked_.write_concurrently(nodes_.clients(), kWriters, write_for);
  std::cerr << acked_.size() << " puts acknowledged with " << kWriters << " sequential clients in "
            << write_for.count() << " ms; " << infos << " info\n";
  ASSERT_GT(acked_.size(), 100u);
  acked_.expect_all_readable(nodes_.clients(), kReaders);
  for (int i = 0; i < kNodes; ++i) ASSERT_GE(read_at_until(i, "first", "1"), 0);

  // 3. kill -9 the leader (by its pid); a new one is established, and nothing
  // acknowledged is lost.
  const int leader = nodes_.index_of(client.last_leader());
  ASSERT_GE(leader, 0);
  nodes_.kill9(leader);
  const double failover_s = acked_.put_until_ok(client, "after-kill", "2", left());
  ASSERT_GE(failover_s, 0);
  EXPECT_NE(client.last_leader(), nodes_.name(leader));
  std::cerr << nodes_.name(leader) << " killed; new leader " << client.last_leader() << " after "
            << failover_s * 1000 << " ms\n";
  acked_.expect_all_readable(nodes_.clients(), kReaders);

  // 4. The killed server recovers its history from its WAL, follows the new leader and
  // catches up: it answers a write made while it was down, and then every
  // acknowledged write, itself.
  nodes_.start(leader, {"--read-mode", read_mode});
  const double catch_up_s = read_at_until(leader, "after-kill", "2");
  ASSERT_GE(catch_up_s, 0);
  std::cerr << nodes_.name(leader) << " restarted and caught up in " << catch_up_s * 1000 << " ms: "
            << recovery_line(leader) << "\n";
  EXPECT_EQ(recovery_line(leader).find(" 0 transactions"), std::string::npos) << "its WAL was replayed";
  acked_.expect_all_readable(nodes_.clients(), kReaders, nodes_.name(leader));
  ASSERT_GE(acked_.put_until_ok(client, "rejoined", "3", left()), 0);

  // 5. SIGTERM is a clean exit: status 0 and the pidfile removed.
  for (int i = 0; i < kNodes; ++i) {
    const int status = nodes_.terminate(i);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << nodes_.name(i) << " status " << status;
    EXPECT_FALSE(fs::exists(nodes_.pidfile(i))) << nodes_.name(i);
  }
  EXPECT_GT(left().count(), 0) << "over the time budget";
}

// Sync reads (linearizable: each waits for a marker through the leader).
TEST_F(ZabSmoke, LeaderKilledNineLosesNoAcknowledgedWriteAndTheRestartedServerCatchesUp) {
  scenario("sync");
}

// Local reads (ZooKeeper's default: each server answers from its own replica).
TEST_F(ZabSmoke, WithLocalReadsEveryServerServesAndTheRestartedOneCatchesUp) {
  scenario("local");
}

}  // namespace
}  // namespace faultline::tests
