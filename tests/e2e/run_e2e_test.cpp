// `faultline run` end to end on a local 5-node cluster (issue [runner], must-show):
// raft under partition+kill+pause+clock (the set run with delay as well) is valid with
// the register and set workloads, the planted stale-read bug is found invalid, and a
// controller killed with SIGKILL mid-run leaves a cluster `faultline cluster heal`
// restores (delay helpers stopped) and a history `faultline check` still judges. Each
// test brings up its own cluster (its own subnet and state dir) through `faultline run`
// and always takes it down. Needs root; skips otherwise.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_fixture.h"

namespace {

namespace fs = std::filesystem;

using faultline::tests::q;
using faultline::tests::sh;
using faultline::tests::Shell;
using faultline::tests::slurp;

class RunE2e : public faultline::tests::RunFixture {
 protected:
  RunE2e() : RunFixture("faultline-run-e2e") {}

  std::string run_command(int subnet, const std::string& extra) const {
    return std::string(FAULTLINE_BIN) + " run --nodes 5 --subnet 10.77." + std::to_string(subnet) +
           ".0/24 --state-dir " + q(state()) + " --store " + q(store()) + " --concurrency 10 --rate 200 " +
           extra;
  }
  Shell run(int subnet, const std::string& extra) const {
    Shell r = sh("timeout 240 " + run_command(subnet, extra));
    std::printf("%s\n", r.output.c_str());
    return r;
  }
};

TEST_F(RunE2e, RaftRegisterUnderPartitionKillPauseClockIsValid) {
  const Shell r = run(91, "--workload register --time-limit 30 --nemesis partition,kill,pause,clock "
                          "--nemesis-interval 4 --seed 11");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("verdict: valid"), std::string::npos);
  // The store holds the run: config, history, results and every node's log.
  const fs::path latest = fs::path(store()) / "latest";
  for (const char* file : {"test.json", "history.jsonl", "results.json", "n1/raft.log", "n5/raft.log"})
    EXPECT_TRUE(fs::exists(latest / file)) << file;
  // Faults really happened: applied nemesis ops of every kind are in the history.
  std::ifstream in(latest / "history.jsonl");
  const std::string history((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* f : {"start-partition", "start-kill", "start-pause", "start-clock", "heal"})
    EXPECT_NE(history.find(std::string("\"f\":\"") + f + "\""), std::string::npos) << f;
  // The servers wrote the leader, vote and applied lines the log checker reads (and it
  // found no two leaders of a term, no double vote and no index applied differently, or
  // the run would be invalid).
  std::string logs;
  for (const char* node : {"n1", "n2", "n3", "n4", "n5"}) {
    std::ifstream log(latest / node / "raft.log");
    logs.append((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  }
  EXPECT_NE(logs.find(": role leader term "), std::string::npos);
  EXPECT_NE(logs.find(": vote term "), std::string::npos);
  EXPECT_NE(logs.find(": applied index 100 hash "), std::string::npos);
  // The run took its cluster down.
  EXPECT_FALSE(fs::exists(fs::path(state()) / "cluster.json"));
}

TEST_F(RunE2e, RaftSetUnderPartitionKillPauseClockDelayLosesNothing) {
  const Shell r = run(92, "--workload set --time-limit 30 --nemesis partition,kill,pause,clock,delay "
                          "--nemesis-interval 4 --seed 12");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("0 lost"), std::string::npos);
  std::ifstream in(fs::path(store()) / "latest" / "history.jsonl");
  const std::string history((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(history.find("--queue-num 7707"), std::string::npos) << "no delay rule was applied";
}

TEST_F(RunE2e, PlantedStaleReadIsFoundInvalid) {
  const Shell r = run(93, "--workload register --bug stale-read --time-limit 30 "
                          "--nemesis partition,kill,pause,clock --nemesis-interval 4 --seed 13");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("verdict: invalid"), std::string::npos);
}

TEST_F(RunE2e, ControllerKilledMidRunLeavesAHealableClusterAndACheckableHistory) {
  const std::string command = run_command(94, "--workload register --time-limit 120 "
                                              "--nemesis partition,pause,delay --nemesis-interval 1.5 --seed 14");
  const pid_t child = ::fork();
  if (child == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + command + " >/dev/null 2>&1").c_str(), nullptr);
    ::_exit(127);
  }
  ASSERT_GT(child, 0);
  // Wait until a partition, a pause and a delay are applied, then SIGKILL the controller.
  const fs::path history = fs::path(store()) / "latest" / "history.jsonl";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  bool faulted = false;
  while (!faulted && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    std::ifstream in(history);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    faulted = text.find("\"start-partition\",\"index\"") != std::string::npos &&
              text.find("\"applied\"") != std::string::npos &&
              text.find("paused pid") != std::string::npos &&
              text.find("--queue-num 7707") != std::string::npos;
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(faulted) << "no partition, pause and delay were applied within 90 s";

  // The cluster is left partitioned, paused and delayed; heal restores it from the state
  // file (and stops every delay helper).
  const Shell heal = sh(std::string(FAULTLINE_BIN) + " cluster heal --state-dir " + q(state()));
  std::printf("%s\n", heal.output.c_str());
  EXPECT_EQ(heal.exit_code, 0);
  for (int n = 1; n <= 5; ++n) {
    const std::string node = "n" + std::to_string(n);
    const Shell rules = sh(std::string(FAULTLINE_BIN) + " cluster ssh --state-dir " + q(state()) + " " +
                           node + " -- sh -c 'iptables -w -S | grep -c FAULTLINE || true'");
    EXPECT_EQ(rules.output, "0\n") << node;
    const Shell stopped = sh(std::string(FAULTLINE_BIN) + " cluster ssh --state-dir " + q(state()) + " " +
                             node + " -- sh -c 'ps -eo stat,args | grep faultline-raf[t] | grep -c ^T || true'");
    EXPECT_EQ(stopped.output, "0\n") << node;
    const Shell helpers = sh(std::string(FAULTLINE_BIN) + " cluster ssh --state-dir " + q(state()) + " " +
                             node + " -- sh -c 'ps -eo args | grep -c faultline-dela[y] || true'");
    EXPECT_EQ(helpers.output, "0\n") << node;
  }
  // The partial run still gets a verdict (0, 1 or 2 — not a harness error).
  const Shell check = sh(std::string(FAULTLINE_BIN) + " check " + q((fs::path(store()) / "latest").string()));
  std::printf("%s\n", check.output.c_str());
  EXPECT_TRUE(check.exit_code == 0 || check.exit_code == 1 || check.exit_code == 2) << check.exit_code;
  EXPECT_NE(check.output.find("verdict:"), std::string::npos);
}

// ZAB (issue [zab]): reads answered from the local replica, ZooKeeper's default, are
// sequentially consistent only — under partitions a bound client sees a lagging replica
// and the register history is not linearizable; reads that sync through the leader are.
TEST_F(RunE2e, ZabLocalReadsAreNotLinearizableUnderPartitions) {
  const Shell r = run(97, "--target zab --workload register --read-mode local --time-limit 30 "
                          "--nemesis partition --nemesis-interval 3 --seed 21");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("verdict: invalid"), std::string::npos);
}

TEST_F(RunE2e, ZabSyncReadsUnderPartitionKillPauseClockAreValid) {
  const Shell r = run(98, "--target zab --workload register --read-mode sync --time-limit 30 "
                          "--nemesis partition,kill,pause,clock --nemesis-interval 4 --seed 22");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("verdict: valid"), std::string::npos);
  const fs::path latest = fs::path(store()) / "latest";
  for (const char* file : {"n1/zab.log", "n5/zab.log"}) EXPECT_TRUE(fs::exists(latest / file)) << file;
  // The log checker had leader lines to hold to one per epoch, and they are dated.
  std::string logs;
  for (const char* node : {"n1", "n2", "n3", "n4", "n5"}) logs += slurp(latest / node / "zab.log");
  EXPECT_NE(logs.find(": established leader of epoch "), std::string::npos);
  EXPECT_NE(logs.find("Z info: "), std::string::npos);
  const auto results = nlohmann::json::parse(slurp(latest / "results.json"), nullptr, false);
  ASSERT_FALSE(results.is_discarded());
  EXPECT_EQ(results["logs"]["terms_with_two_leaders"], 0);
}

TEST_F(RunE2e, ZabSetUnderPartitionKillPauseClockLosesNothing) {
  const Shell r = run(99, "--target zab --workload set --read-mode sync --time-limit 30 "
                          "--nemesis partition,kill,pause,clock --nemesis-interval 4 --seed 23");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("0 lost"), std::string::npos);
}

}  // namespace
