// `faultline nemesis run` on a real 3-node local cluster: SIGINT in the middle of a
// partition and a pause leaves no FAULTLINE rule and no stopped target behind, and a
// rule of someone else's survives the heal. Plus partition and loss active at once,
// each removable on its own, both gone after heal. Needs root, sshd and iptables;
// skips otherwise. Subnets 10.77.80.0/24 and 10.77.81.0/24.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "harness/control/quote.h"
#include "nemesis/iptables.h"
#include "nemesis/process_faults.h"
#include "nemesis/state_file.h"
#include "nemesis/topology.h"
#include "tests/e2e/counter_target.h"
#include "tests/e2e/local_cluster_test.h"

extern char** environ;

namespace faultline::nemesis {
namespace {

namespace fs = std::filesystem;
namespace control = harness::control;
using Steady = std::chrono::steady_clock;

class NemesisRunOnCluster : public testing::LocalClusterTest {
 protected:
  void SetUp() override {
    LocalClusterTest::SetUp();
    if (!IsSkipped() && !fs::exists("/usr/sbin/iptables")) GTEST_SKIP() << "needs iptables";
  }
  void TearDown() override {
    // A child still running (the test failed before it exited) is ended by its pid.
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
    LocalClusterTest::TearDown();
  }

  // Starts `faultline args...` with stdout and stderr to `log`.
  void spawn(const std::vector<std::string>& args, const fs::path& log) {
    std::vector<std::string> words = {FAULTLINE_BIN};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    ASSERT_EQ(::posix_spawn(&child_, argv[0], &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
  }

  // Waits up to `timeout` for the child to exit; its exit code, or -1.
  int wait_child(std::chrono::seconds timeout) {
    const auto end = Steady::now() + timeout;
    while (Steady::now() < end) {
      int status = 0;
      if (::waitpid(child_, &status, WNOHANG) == child_) {
        child_ = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

  pid_t child_ = 0;
};

// Which faults the history shows applied (and not yet stopped) right now, and which
// were ever applied.
struct Seen {
  std::map<std::string, bool> active, ever;
  std::string last_f;
  bool last_error = false;
};
Seen read_history(const fs::path& path) {
  Seen seen;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("f")) continue;  // a line still being written
    const std::string f = j["f"];
    seen.last_f = f;
    seen.last_error = j.contains("error");
    if (!j["value"].contains("applied") || j.contains("error")) continue;
    for (const std::string kind : {"partition", "pause"}) {
      if (f == "start-" + kind) seen.active[kind] = seen.ever[kind] = true;
      if (f == "stop-" + kind) seen.active[kind] = false;
    }
  }
  return seen;
}

TEST_F(NemesisRunOnCluster, SigintMidPartitionAndPauseLeavesNoRuleAndNoStoppedProcess) {
  ASSERT_NO_FATAL_FAILURE(bring_up(3, "10.77.80.0/24"));
  for (const auto& n : names_) run(n, testing::install_counter_command());
  {
    ProcessFaults start(*pool_, testing::counter_spec());
    for (const auto& r : start.restart(names_)) ASSERT_TRUE(r.ok()) << r.error().message;
  }
  // Someone else's rule, outside our chain: heal must leave it alone.
  const std::string keep =
      "INPUT -s 10.77.80.99/32 -m comment --comment faultline-e2e-keep -j DROP";
  run("n1", "iptables -w -A " + keep);

  const fs::path history = dir_ / "history.jsonl";
  const auto spec = testing::counter_spec();
  ASSERT_NO_FATAL_FAILURE(spawn({"nemesis", "run", "--state-dir", dir_.string(), "--nemesis",
                                 "partition,pause", "--nemesis-interval", "1",
                                 "--nemesis-targets", "majority", "--time-limit", "60",
                                 "--seed", "7", "--history", history.string(), "--pidfile",
                                 spec.pidfile, "--start-command", spec.start_command,
                                 "--expect", spec.expect},
                                dir_ / "nemesis.log"));

  // Wait for a moment when a partition and a pause are both applied.
  const auto start = Steady::now();
  Seen seen;
  while (Steady::now() - start < std::chrono::seconds(40)) {
    seen = read_history(history);
    if (seen.active["partition"] && seen.active["pause"]) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(seen.active["partition"] && seen.active["pause"])
      << "never both applied at once; ever: partition " << seen.ever["partition"] << " pause "
      << seen.ever["pause"];
  // Both are in place on the nodes as the signal goes.
  int stopped = 0, drops = 0;
  for (const auto& n : names_) {
    drops += std::stoi(run(n, "iptables -w -S FAULTLINE 2>/dev/null | grep -c DROP || true"));
    stopped += std::stoi(run(n, "awk '{print $3}' /proc/$(cat /opt/faultline/counter.pid)/stat"
                                " | grep -c T || true"));
  }
  ASSERT_EQ(::kill(child_, SIGINT), 0);
  const int code = wait_child(std::chrono::seconds(45));
  std::ifstream log_in(dir_ / "nemesis.log");
  const std::string log((std::istreambuf_iterator<char>(log_in)), {});
  ASSERT_EQ(code, 0) << log;
  EXPECT_NE(log.find("interrupted by SIGINT"), std::string::npos) << log;
  std::cout << "[   INFO   ] SIGINT after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start).count()
            << " ms, with " << stopped << " target(s) stopped and " << drops
            << " FAULTLINE rule(s) in place\n";
  {
    std::ifstream h(history);
    for (std::string line; std::getline(h, line);) std::cout << "[ HISTORY  ] " << line << "\n";
  }

  // The history ends with the heal, applied without error.
  seen = read_history(history);
  EXPECT_EQ(seen.last_f, "heal");
  EXPECT_FALSE(seen.last_error) << log;
  for (const auto& n : names_) {
    EXPECT_EQ(run(n, "iptables -w -S | grep -c FAULTLINE || true"), "0\n") << n;
    const std::string state =
        run(n, "awk '{print $3}' /proc/$(cat /opt/faultline/counter.pid)/stat");
    EXPECT_TRUE(state == "S\n" || state == "R\n" || state == "D\n") << n << ": " << state;
  }
  EXPECT_NE(run("n1", "iptables -w -S INPUT").find("-A " + keep), std::string::npos);
  auto recorded = read_state(dir_ / "nemesis.json");
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  EXPECT_TRUE(recorded->empty());
}

TEST_F(NemesisRunOnCluster, PartitionAndLossActiveAtOnceEachStopsAloneAndHealRemovesBoth) {
  ASSERT_NO_FATAL_FAILURE(bring_up(3, "10.77.81.0/24"));
  IptablesNet net(*pool_, addresses_of(nodes_));
  const std::string p = "10.77.81.";
  // Count of our DROP rules on a node: (whole drops, statistic drops).
  auto rules = [&](const std::string& node) {
    const std::string s = run(node, "iptables -w -S FAULTLINE 2>/dev/null || true");
    int whole = 0, partial = 0;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);) {
      if (line.find("-j DROP") == std::string::npos) continue;
      (line.find("statistic") == std::string::npos ? whole : partial)++;
    }
    return std::make_pair(whole, partial);
  };
  auto connects = [&](const std::string& from, const std::string& to_host) {
    return run(from, control::shell_join({"timeout", "1.5", "bash", "-c", "</dev/tcp/" + to_host +
                                                                           "/22"}) +
                         " >/dev/null 2>&1 && echo ok || echo blocked");
  };
  ASSERT_TRUE(net.apply(*isolate(names_, "n3")).ok());
  auto s = net.apply(Loss{{{"n1", "n2"}}, 0.5});
  ASSERT_TRUE(s.ok()) << s.error().message;
  // Both at once: n2 drops n3 (partition) and half of n1's packets (loss).
  EXPECT_EQ(rules("n2"), std::make_pair(1, 1));
  EXPECT_EQ(rules("n3"), std::make_pair(2, 0));
  EXPECT_EQ(connects("n1", p + "13"), "blocked\n");
  EXPECT_EQ(run("n2", "iptables -w -S INPUT | grep -c FAULTLINE"), "1\n");

  ASSERT_TRUE(net.stop_loss().ok());  // the partition stays
  EXPECT_EQ(rules("n2"), std::make_pair(1, 0));
  EXPECT_EQ(connects("n1", p + "13"), "blocked\n");
  ASSERT_TRUE(net.apply(Loss{{{"n1", "n2"}}, 0.5}).ok());
  ASSERT_TRUE(net.stop_partition().ok());  // the loss stays
  EXPECT_EQ(rules("n2"), std::make_pair(0, 1));
  EXPECT_EQ(rules("n3"), std::make_pair(0, 0));
  EXPECT_EQ(connects("n1", p + "13"), "ok\n");
  ASSERT_TRUE(net.apply(*isolate(names_, "n1")).ok());

  auto h = net.heal();
  ASSERT_TRUE(h.ok()) << h.error().message;
  for (const auto& n : names_) {
    EXPECT_EQ(run(n, "iptables -w -S | grep -c FAULTLINE || true"), "0\n") << n;
  }
  EXPECT_EQ(connects("n1", p + "13"), "ok\n");
  EXPECT_EQ(connects("n2", p + "11"), "ok\n");
  // Stopping the last kind of fault removes our chain entirely, as heal does.
  ASSERT_TRUE(net.apply(Loss{{{"n1", "n2"}}, 0.5}).ok());
  ASSERT_TRUE(net.stop_loss().ok());
  EXPECT_EQ(run("n2", "iptables -w -S | grep -c FAULTLINE || true"), "0\n");
}

}  // namespace
}  // namespace faultline::nemesis
