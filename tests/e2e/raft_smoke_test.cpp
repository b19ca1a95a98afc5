// Smoke test of the Raft target as real processes: three faultline-raft nodes on
// 127.0.0.1 (real TCP, real fsync, temp data dirs). A leader is elected, writes
// replicate, kill -9 of the leader loses no acknowledged write and a new leader serves;
// the killed node recovers from its WAL and the cluster survives losing the next
// leader too. Processes are started with fork/exec and stopped by pid only; the
// fixture kills them and removes the temp dirs also when the test fails.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "targets/raft/client/client.h"
#include "tests/e2e/acked_writes.h"
#include "tests/e2e/local_nodes.h"

namespace faultline::tests {
namespace {

namespace fs = std::filesystem;
using targets::raft::client::RaftClient;

constexpr int kNodes = 3;

class RaftSmoke : public ::testing::Test {
 protected:
  void start(int i) { nodes_.start(i, extra_args_); }
  void kill9(int i) { nodes_.kill9(i); }
  fs::path pidfile(int i) const { return nodes_.pidfile(i); }
  int index_of(const std::string& name) const { return nodes_.index_of(name); }

  LocalNodes nodes_{FAULTLINE_RAFT_BIN, kNodes, "raft-smoke"};
  const std::map<std::string, std::string>& clients_ = nodes_.clients();
  const std::vector<std::string>& names_ = nodes_.names();
  AckedWrites acked_;
  std::vector<std::string> extra_args_;  // more flags for every node
  std::chrono::milliseconds write_for_{1500};  // the concurrent-writers phase

  void leader_kill_scenario();
};

void RaftSmoke::leader_kill_scenario() {
  for (int i = 0; i < kNodes; ++i) start(i);
  RaftClient client(clients_, 1, std::chrono::milliseconds(1000));

  // 1. A leader is elected: a put succeeds.
  const double elect_s = acked_.put_until_ok(client, "first", "1", std::chrono::seconds(10));
  ASSERT_GE(elect_s, 0);
  std::cerr << "first acknowledged put after " << elect_s * 1000 << " ms\n";
  for (int i = 0; i < kNodes; ++i) EXPECT_TRUE(fs::exists(pidfile(i))) << names_[i];

  // 2. Concurrent writers for a moment (throughput, and plenty to replicate).
  constexpr int kWriters = 8;
  const int infos = acked_.write_concurrently(clients_, kWriters, write_for_);
  std::cerr << acked_.size() << " puts acknowledged, " << (acked_.size() - 1) / (write_for_.count() / 1000.0)
            << " writes/s with " << kWriters << " sequential clients; " << infos << " info\n";
  ASSERT_GT(acked_.size(), 100u);
  acked_.expect_all_readable(clients_, 4);

  // 3. kill -9 the leader; a new one serves, and nothing acknowledged is lost.
  const int leader = index_of(client.last_leader());
  ASSERT_GE(leader, 0);
  kill9(leader);
  const double failover_s = acked_.put_until_ok(client, "after-kill", "2", std::chrono::seconds(10));
  ASSERT_GE(failover_s, 0);
  EXPECT_NE(client.last_leader(), names_[leader]);
  std::cerr << names_[leader] << " killed; new leader " << client.last_leader() << " after "
            << failover_s * 1000 << " ms\n";
  acked_.expect_all_readable(clients_, 4);

  // 4. The killed node recovers from its data dir; then the cluster loses the new
  // leader, so the recovered node must be part of the majority that serves.
  start(leader);
  ASSERT_GE(acked_.put_until_ok(client, "rejoined", "3", std::chrono::seconds(10)), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let it catch up
  const int second = index_of(client.last_leader());
  ASSERT_GE(second, 0);
  kill9(second);
  ASSERT_GE(acked_.put_until_ok(client, "after-second-kill", "4", std::chrono::seconds(10)), 0);
  acked_.expect_all_readable(clients_, 4);

  // 5. SIGTERM is a clean exit: status 0 and the pidfile removed.
  for (int i = 0; i < kNodes; ++i) {
    if (!nodes_.running(i)) continue;
    const int status = nodes_.terminate(i);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << names_[i] << " status " << status;
    EXPECT_FALSE(fs::exists(pidfile(i))) << names_[i];
  }
}

TEST_F(RaftSmoke, LeaderKilledNineLosesNoAcknowledgedWriteAndANewLeaderServes) {
  leader_kill_scenario();
}

// The same with frequent compaction: nodes snapshot, rotate and drop WAL segments many
// times, the restarted node recovers from a snapshot file plus WAL and catches up by
// InstallSnapshot if the leader compacted past it.
TEST_F(RaftSmoke, WithFrequentSnapshotsRestartsRecoverFromSnapshotAndWal) {
  extra_args_ = {"--snapshot-every", "100"};
  leader_kill_scenario();
  size_t segments = 0;
  for (const auto& name : names_) {
    EXPECT_TRUE(fs::exists(nodes_.root() / name / "snapshot")) << name;
    for (const auto& file : fs::directory_iterator(nodes_.root() / name / "wal")) {
      (void)file;
      ++segments;
    }
  }
  EXPECT_LE(segments, 3u * 2u) << "old WAL segments are removed after each snapshot";
}

// Reads through the log, and lease reads on good clocks: the same guarantees.
TEST_F(RaftSmoke, LogReadModeKeepsEveryAcknowledgedWrite) {
  extra_args_ = {"--read-mode", "log"};
  write_for_ = std::chrono::milliseconds(300);  // every read back is a log write: keep it short
  leader_kill_scenario();
}

TEST_F(RaftSmoke, LeaseReadModeKeepsEveryAcknowledgedWrite) {
  extra_args_ = {"--read-mode", "lease"};
  leader_kill_scenario();
}

}  // namespace
}  // namespace faultline::tests
