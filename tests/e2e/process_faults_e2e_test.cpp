// Process faults against a real local cluster (3 namespace nodes with sshd): the target
// is a counting shell script, /opt/faultline/counter.sh, that each node runs from its
// own /opt/faultline and that continues from the last count after a restart. Needs root
// and /usr/sbin/sshd; skips otherwise. Each test has its own state dir and subnet
// (10.77.60-64.0/24) so CTest can run them beside the other e2e suites.

#include <unistd.h>

#include <csignal>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "harness/cluster/cluster.h"
#include "harness/control/node.h"
#include "harness/control/quote.h"
#include "harness/control/ssh.h"
#include "nemesis/process_faults.h"
#include "tests/e2e/counter_target.h"
#include "tests/e2e/local_cluster_test.h"
#include "nemesis/state_file.h"

namespace faultline::nemesis {
namespace {

namespace fs = std::filesystem;
namespace cluster = harness::cluster;
using namespace std::chrono_literals;

// Each test's own subnet (see tests/e2e/local_cluster_test.h).
const std::map<std::string, int> kOctets = {
    {"KillEndsTheProcessOnTheChosenNodeOnly", 60},
    {"RestartStartsANewProcessThatContinuesTheCount", 61},
    {"PauseFreezesTheCountAndResumeLetsItContinue", 62},
    {"StalePidfileNamingAnotherProcessIsRefusedNotSignalled", 63},
    {"HealAfterKillAndPauseRestoresBothAndIsIdempotent", 64},
};

using testing::counter_spec;

class ProcessFaultsOnCluster : public testing::LocalClusterTest {
 protected:
  void SetUp() override {
    LocalClusterTest::SetUp();
    if (IsSkipped()) return;
    bring_up(3, subnet_of_current_test(kOctets));
    if (HasFatalFailure()) return;
    faults_ = std::make_unique<ProcessFaults>(*pool_, counter_spec());
    for (const auto& n : names_) run(n, testing::install_counter_command());
    // Start the counter everywhere (restart of a never-started process).
    for (const auto& r : faults_->restart({"n1", "n2", "n3"})) {
      ASSERT_TRUE(r.ok()) << r.error().message;
      ASSERT_EQ(r->action, ProcessAction::Started) << describe(*r);
      ASSERT_GT(r->pid, 0);
    }
  }

  void TearDown() override {
    faults_.reset();
    LocalClusterTest::TearDown();
  }

  long count(const std::string& node) {
    const std::string out = run(node, "cat /opt/faultline/count");
    return out.empty() ? -1 : std::stol(out);
  }
  int pidfile_pid(const std::string& node) {
    const std::string out = run(node, "cat /opt/faultline/counter.pid");
    return out.empty() ? -1 : std::stoi(out);
  }
  bool pid_exists(const std::string& node, int pid) {
    return run(node, "test -d /proc/" + std::to_string(pid) + " && echo yes || echo no") ==
           "yes\n";
  }
  char state(const std::string& node, int pid) {
    auto st = parse_proc_stat(run(node, "cat /proc/" + std::to_string(pid) + "/stat"));
    return st ? st->state : '?';
  }
  // True if the count on `node` moves within `within`.
  bool advances(const std::string& node, std::chrono::milliseconds within = 1000ms) {
    const long before = count(node);
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
      if (count(node) > before) return true;
    }
    return false;
  }

  std::unique_ptr<ProcessFaults> faults_;
};

TEST_F(ProcessFaultsOnCluster, KillEndsTheProcessOnTheChosenNodeOnly) {
  const int pid = pidfile_pid("n2");
  ASSERT_TRUE(advances("n2"));
  auto out = faults_->kill({"n2"});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].ok()) << out[0].error().message;
  EXPECT_EQ(out[0]->node, "n2");
  EXPECT_EQ(out[0]->action, ProcessAction::Killed);
  EXPECT_EQ(out[0]->pid, pid);
  EXPECT_EQ(out[0]->signal, SIGKILL);
  EXPECT_FALSE(pid_exists("n2", pid));
  EXPECT_FALSE(advances("n2", 300ms));
  EXPECT_TRUE(advances("n1"));
  EXPECT_TRUE(advances("n3"));
  // Killing again: already dead, nothing signalled, not an error.
  auto again = faults_->kill({"n2"});
  ASSERT_TRUE(again[0].ok()) << again[0].error().message;
  EXPECT_EQ(again[0]->action, ProcessAction::AlreadyDead);
  EXPECT_EQ(again[0]->signal, 0);
}

TEST_F(ProcessFaultsOnCluster, RestartStartsANewProcessThatContinuesTheCount) {
  const int old_pid = pidfile_pid("n2");
  ASSERT_TRUE(faults_->kill({"n2"})[0].ok());
  const long at_kill = count("n2");
  ASSERT_GT(at_kill, 0);
  auto out = faults_->restart({"n1", "n2"});
  ASSERT_EQ(out.size(), 2u);
  ASSERT_TRUE(out[0].ok()) << out[0].error().message;
  ASSERT_TRUE(out[1].ok()) << out[1].error().message;
  EXPECT_EQ(out[0]->action, ProcessAction::AlreadyRunning);
  EXPECT_EQ(out[1]->action, ProcessAction::Started);
  EXPECT_NE(out[1]->pid, old_pid);
  EXPECT_EQ(out[1]->pid, pidfile_pid("n2"));
  ASSERT_TRUE(advances("n2"));
  // It continued from the persisted count instead of starting over at 1.
  EXPECT_GT(count("n2"), at_kill);
}

TEST_F(ProcessFaultsOnCluster, PauseFreezesTheCountAndResumeLetsItContinue) {
  const int pid = pidfile_pid("n3");
  auto out = faults_->pause({"n3"});
  ASSERT_TRUE(out[0].ok()) << out[0].error().message;
  EXPECT_EQ(out[0]->action, ProcessAction::Paused);
  EXPECT_EQ(out[0]->pid, pid);
  EXPECT_EQ(out[0]->signal, SIGSTOP);
  EXPECT_EQ(state("n3", pid), 'T');
  // A sleep child may finish its last step after the stop; then nothing moves.
  std::this_thread::sleep_for(50ms);
  const long a = count("n3");
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(count("n3"), a);
  EXPECT_TRUE(advances("n1"));

  auto twice = faults_->pause({"n3"});
  ASSERT_TRUE(twice[0].ok());
  EXPECT_EQ(twice[0]->action, ProcessAction::AlreadyPaused);
  EXPECT_EQ(twice[0]->signal, 0);

  auto res = faults_->resume({"n3"});
  ASSERT_TRUE(res[0].ok()) << res[0].error().message;
  EXPECT_EQ(res[0]->action, ProcessAction::Resumed);
  EXPECT_EQ(res[0]->signal, SIGCONT);
  EXPECT_NE(state("n3", pid), 'T');
  EXPECT_TRUE(advances("n3"));
  EXPECT_EQ(pidfile_pid("n3"), pid);  // the same process, not a restart

  auto again = faults_->resume({"n3"});
  ASSERT_TRUE(again[0].ok());
  EXPECT_EQ(again[0]->action, ProcessAction::NotPaused);
}

TEST_F(ProcessFaultsOnCluster, StalePidfileNamingAnotherProcessIsRefusedNotSignalled) {
  ASSERT_TRUE(faults_->kill({"n1"})[0].ok());
  // Inside the node's PID namespace, pid 1 is its sshd: alive, but not counter.sh.
  ASSERT_EQ(run("n1", "cat /proc/1/comm"), "sshd\n");
  // And a pid reused by an unrelated program (a namespace's init ignores most signals
  // anyway, so the sleep is the case where a missing check would do real harm).
  const int sleeper =
      std::stoi(run("n1", "sleep 60 </dev/null >/dev/null 2>&1 & echo $!"));
  using Fault = NodeOutcomes (ProcessFaults::*)(const std::vector<NodeName>&);
  for (int foreign : {1, sleeper}) {
    run("n1", "echo " + std::to_string(foreign) + " > /opt/faultline/counter.pid");
    for (Fault fault : {&ProcessFaults::kill, &ProcessFaults::pause, &ProcessFaults::resume}) {
      auto out = ((*faults_).*fault)({"n1"});
      ASSERT_EQ(out.size(), 1u);
      ASSERT_FALSE(out[0].ok()) << describe(*out[0]);
      const std::string& msg = out[0].error().message;
      EXPECT_NE(msg.find("n1"), std::string::npos) << msg;
      EXPECT_NE(msg.find("not signalled"), std::string::npos) << msg;
    }
    EXPECT_TRUE(pid_exists("n1", foreign));
    EXPECT_NE(state("n1", foreign), 'T');
  }
  EXPECT_EQ(run("n1", "hostname"), "n1\n");  // sshd still serves
  // restart treats the stale pidfile as "not running" and starts a fresh counter.
  auto out = faults_->restart({"n1"});
  ASSERT_TRUE(out[0].ok()) << out[0].error().message;
  EXPECT_EQ(out[0]->action, ProcessAction::Started);
  EXPECT_NE(out[0]->pid, 1);
  EXPECT_NE(out[0]->note.find("stale"), std::string::npos) << describe(*out[0]);
  EXPECT_TRUE(advances("n1"));
}

TEST_F(ProcessFaultsOnCluster, HealAfterKillAndPauseRestoresBothAndIsIdempotent) {
  // The state file says what is applied at every moment, for `cluster heal`.
  const fs::path state = state_path(dir_);
  faults_->record_state_in(state);
  ASSERT_TRUE(faults_->kill({"n1"})[0].ok());
  const int paused = pidfile_pid("n2");
  ASSERT_EQ(faults_->pause({"n2"})[0]->action, ProcessAction::Paused);
  auto applied = read_state(state);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ(applied->killed, std::set<NodeName>{"n1"});
  EXPECT_EQ(applied->paused, (std::map<NodeName, std::set<int>>{{"n2", {paused}}}));

  auto out = faults_->heal();
  ASSERT_EQ(out.size(), 3u);
  for (const auto& r : out) ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(out[0]->action, ProcessAction::Started) << describe(*out[0]);
  EXPECT_EQ(out[1]->action, ProcessAction::Resumed) << describe(*out[1]);
  EXPECT_EQ(out[1]->pid, paused);
  EXPECT_EQ(out[2]->action, ProcessAction::AlreadyRunning) << describe(*out[2]);
  for (const char* n : {"n1", "n2", "n3"}) EXPECT_TRUE(advances(n)) << n;
  auto healed = read_state(state);
  ASSERT_TRUE(healed.ok()) << healed.error().message;
  EXPECT_TRUE(healed->empty());

  auto again = faults_->heal();
  for (const auto& r : again) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->action, ProcessAction::AlreadyRunning) << describe(*r);
  }
}

}  // namespace
}  // namespace faultline::nemesis
