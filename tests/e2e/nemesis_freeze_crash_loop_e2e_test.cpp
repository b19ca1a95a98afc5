// The clock freeze and the crash loop against a real local cluster (2 namespace nodes
// with sshd). A freeze holds a running faked process's CLOCK_REALTIME still (with no
// step of its own) until reset; a crash loop kills and restarts the process its pidfile
// names, on the node, once per gap, and leaves it running. Needs root, /usr/sbin/sshd,
// libfaketime and perl; skips otherwise. Own subnets (10.77.104.0/24, 10.77.105.0/24 for the crash loop) and state dirs.

#include <time.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "nemesis/clock.h"
#include "nemesis/nodes_backend.h"
#include "nemesis/process_faults.h"
#include "nemesis/state_file.h"
#include "tests/e2e/local_cluster_test.h"

namespace faultline::nemesis {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kSeen = "/opt/faultline/clock/seen";
// A long-running faked process writing its CLOCK_REALTIME (ms) every 50 ms.
constexpr const char* kSeenLoop =
    "use Time::HiRes qw(time);"
    "$SIG{TERM} = sub { exit 0 };"
    "while (1) {"
    "  open(my $f, '>', '/opt/faultline/clock/seen.tmp') or die;"
    "  printf $f \"%d\\n\", time() * 1000; close $f;"
    "  rename('/opt/faultline/clock/seen.tmp', '/opt/faultline/clock/seen') or die;"
    "  select(undef, undef, undef, 0.05);"
    "}";

int64_t realtime_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

class FreezeAndCrashLoopOnCluster : public testing::LocalClusterTest {
 protected:
  void SetUp() override {
    LocalClusterTest::SetUp();
    if (IsSkipped()) return;
    if (!fs::exists(kFaketimeLibrary)) GTEST_SKIP() << "needs " << kFaketimeLibrary;
    if (!fs::exists("/usr/bin/perl")) GTEST_SKIP() << "needs /usr/bin/perl";
    // One subnet per test: CTest runs the two tests of this file at the same time.
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    bring_up(2, name.find("CrashLoop") != std::string::npos ? "10.77.105.0/24" : "10.77.104.0/24");
  }

  void TearDown() override {
    // Stopped by pid only (inside the node's PID namespace).
    if (pool_) {
      for (const auto& [node, pid] : pids_) {
        if (pid > 0) (void)pool_->exec(node, "kill -9 " + std::to_string(pid) + " 2>/dev/null; exit 0", 10'000);
      }
    }
    LocalClusterTest::TearDown();
  }

  int64_t seen(const std::string& node) {
    auto r = pool_->exec(node, std::string("cat ") + kSeen + " 2>/dev/null; exit 0", 10'000);
    if (!r.ok() || r->out.empty()) return -1;
    return std::atoll(r->out.c_str());
  }

  std::map<std::string, int> pids_;
};

TEST_F(FreezeAndCrashLoopOnCluster, AFrozenClockStandsStillForARunningProcessUntilReset) {
  FaketimeClock clock(*pool_);
  for (const auto& r : clock.reset({"n1", "n2"})) ASSERT_TRUE(r.ok()) << r.error().message;
  const std::string start = faketime_command(kDefaultOffsetFile, {"perl", "-e", kSeenLoop}) +
                            " </dev/null >/dev/null 2>&1 & echo $!";
  pids_["n2"] = std::atoi(run("n2", start).c_str());
  ASSERT_GT(pids_["n2"], 0);
  std::this_thread::sleep_for(500ms);
  ASSERT_GT(seen("n2"), 0);

  ClockSkew skew;
  skew.delta_ms = {{"n2", 0}};
  skew.freeze = true;
  auto frozen = clock.freeze(skew);
  ASSERT_EQ(frozen.size(), 1u);
  ASSERT_TRUE(frozen[0].ok()) << frozen[0].error().message;
  EXPECT_TRUE(frozen[0]->frozen);
  EXPECT_TRUE(is_freeze_spec(frozen[0]->spec)) << frozen[0]->spec;
  std::cout << "freeze: " << describe(*frozen[0]) << "\n";
  // Within a second or so the running process sees the frozen second, and it stays.
  std::this_thread::sleep_for(1200ms);
  const int64_t a = seen("n2");
  std::this_thread::sleep_for(1000ms);
  const int64_t b = seen("n2");
  EXPECT_EQ(a, b) << "the clock moved while frozen";
  EXPECT_EQ(a, std::stoll(frozen[0]->spec) * 1000);
  // Frozen at about the moment of the fault: no step of its own beyond a second.
  EXPECT_LE(std::llabs(a - (realtime_ms() - 2200)), 1500) << a;
  // n1's clock was left alone.
  auto n1 = clock.measure({"n1"});
  ASSERT_TRUE(n1[0].ok());
  EXPECT_NEAR(static_cast<double>(n1[0]->offset_ms), 0.0, 1000.0);

  for (const auto& r : clock.reset({"n2"})) ASSERT_TRUE(r.ok()) << r.error().message;
  std::this_thread::sleep_for(1500ms);
  const int64_t c = seen("n2");
  EXPECT_NEAR(static_cast<double>(c - realtime_ms()), 0.0, 1000.0);
}

TEST_F(FreezeAndCrashLoopOnCluster, ACrashLoopRestartsTheProcessOncePerGapAndLeavesItRunning) {
  // A target that writes its own pidfile, as the servers do.
  run("n1", "mkdir -p /opt/faultline/loop && printf '%s\\n' "
            "'echo $$ > /opt/faultline/loop/t.pid; while :; do sleep 0.05; done' "
            "> /opt/faultline/loop/fl-target.sh");
  ProcessSpec spec;
  spec.pidfile = "/opt/faultline/loop/t.pid";
  spec.expect = "fl-target.sh";
  spec.start_command = "sh /opt/faultline/loop/fl-target.sh >/dev/null 2>&1 &";
  fs::path state = dir_ / "nemesis.json";
  NodesBackendOptions options;
  options.state_file = state;
  options.process = spec;
  NodesBackend backend(*pool_, nodes_, nullptr, options);
  ASSERT_TRUE(backend.restart({"n1"}).ok());
  const int first = std::atoi(run("n1", "cat /opt/faultline/loop/t.pid").c_str());
  ASSERT_GT(first, 0);

  CrashLoop loop;
  loop.gaps_ms = {{"n1", {50, 80, 50, 120}}};
  const auto t0 = std::chrono::steady_clock::now();
  const Applied a = backend.crash_loop(loop);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  ASSERT_TRUE(a.ok()) << a.error;
  std::cout << "crash loop: " << a.value.dump() << " in " << took.count() << " ms\n";
  EXPECT_EQ(a.value["outcomes"]["n1"], "n1: crash looped pid " + a.value["pids"]["n1"].dump() +
                                           " (SIGKILL) (4 restarts)");
  const int last = a.value["pids"]["n1"].get<int>();
  EXPECT_NE(last, first);
  EXPECT_EQ(run("n1", "cat /opt/faultline/loop/t.pid"), std::to_string(last) + "\n");
  EXPECT_EQ(run("n1", "tr '\\0' ' ' </proc/" + std::to_string(last) + "/cmdline"),
            "sh /opt/faultline/loop/fl-target.sh ");
  // The first process is gone, and the state file records nothing left to heal.
  EXPECT_EQ(run("n1", "tr '\\0' ' ' </proc/" + std::to_string(first) + "/cmdline 2>/dev/null; exit 0")
                .find("fl-target.sh"),
            std::string::npos);
  auto st = read_state(state);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(st->killed.empty());
  // Four restarts of a few ms each plus the gaps: well under the SSH-per-step path.
  EXPECT_LT(took.count(), 5000);
  pids_["n1"] = last;
}

}  // namespace
}  // namespace faultline::nemesis
