// Clock faults with libfaketime against a real local cluster (3 namespace nodes with
// sshd). A bump rewrites one node's /opt/faultline/clock/offset (private per node): a
// faked process on that node sees it, faked processes on the other nodes, unfaked
// processes on the same node and the host do not, and a faked process that was already
// running picks it up without a restart. Needs root, /usr/sbin/sshd and libfaketime;
// skips otherwise. Own state dir and subnet (10.77.70.0/24) so CTest can run it beside
// the other e2e suites.

#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "harness/cluster/cluster.h"
#include "harness/control/node.h"
#include "harness/control/quote.h"
#include "harness/control/ssh.h"
#include "nemesis/clock.h"
#include "tests/e2e/local_cluster_test.h"

namespace faultline::nemesis {
namespace {

namespace fs = std::filesystem;
namespace cluster = harness::cluster;
using namespace std::chrono_literals;

constexpr int64_t kToleranceMs = 2000;
constexpr const char* kSeen = "/opt/faultline/clock/seen";
constexpr const char* kSeenPid = "/opt/faultline/clock/seen.pid";

// One long-running process that reads the faked clock itself every 100 ms and writes
// it (seconds) to kSeen with write-then-rename. perl, not a shell loop: a loop's
// `date` is a new process each time (it would see a change even without re-reading),
// and bash's own printf '%(%s)T' is not faked by libfaketime at all.
constexpr const char* kSeenLoop =
    "$SIG{TERM} = sub { exit 0 };"
    "while (1) {"
    "  open(my $f, '>', '/opt/faultline/clock/seen.tmp') or die;"
    "  print $f time(), \"\\n\"; close $f;"
    "  rename('/opt/faultline/clock/seen.tmp', '/opt/faultline/clock/seen') or die;"
    "  select(undef, undef, undef, 0.1);"
    "}";

int64_t realtime_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

class ClockOnCluster : public testing::LocalClusterTest {
 protected:
  void SetUp() override {
    LocalClusterTest::SetUp();
    if (IsSkipped()) return;
    if (!fs::exists(kFaketimeLibrary)) GTEST_SKIP() << "needs " << kFaketimeLibrary;
    if (!fs::exists("/usr/bin/perl")) GTEST_SKIP() << "needs /usr/bin/perl";
    bring_up(3, "10.77.70.0/24");
    if (HasFatalFailure()) return;
    clock_ = std::make_unique<FaketimeClock>(*pool_);
  }

  void TearDown() override {
    // The loop is stopped by its pid (inside n2's PID namespace), never by name.
    if (pool_ && seen_pid_ > 0) {
      auto r = pool_->exec("n2", "kill " + std::to_string(seen_pid_) + " 2>/dev/null; exit 0",
                           10'000);
      EXPECT_TRUE(r.ok()) << r.error().message;
    }
    clock_.reset();
    LocalClusterTest::TearDown();
  }

  // Seconds the long-running faked process last wrote; -1 if none yet.
  long long seen(const std::string& node) {
    auto r = pool_->exec(node, std::string("cat ") + kSeen + " 2>/dev/null; exit 0", 10'000);
    if (!r.ok() || r->out.empty()) return -1;
    return std::atoll(r->out.c_str());
  }

  // Waits up to `within` until the loop's time minus the host's is about `offset_s`.
  bool seen_offset_becomes(const std::string& node, long long offset_s,
                           std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    do {
      const long long v = seen(node);
      const long long host = realtime_ms() / 1000;
      if (v > 0 && std::llabs(v - host - offset_s) <= 2) return true;
      std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  std::unique_ptr<FaketimeClock> clock_;
  int seen_pid_ = 0;
};

void expect_offset(const base::Result<ClockReading>& r, const std::string& node, int64_t want_ms) {
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->node, node);
  EXPECT_NEAR(static_cast<double>(r->offset_ms), static_cast<double>(want_ms),
              static_cast<double>(kToleranceMs))
      << describe(*r);
}

TEST_F(ClockOnCluster, BumpIsSeenOnlyByFakedProcessesOnTheBumpedNodeAndResetUndoesIt) {
  const std::vector<NodeName> all = {"n1", "n2", "n3"};
  // Reset first: it creates each node's offset file with +0.
  for (const auto& r : clock_->reset(all)) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->spec, "+0");
    expect_offset(r->measured, r->node, 0);
  }

  // The long-running faked process on n2, started before the bump.
  const std::string start =
      faketime_command(kDefaultOffsetFile, {"perl", "-e", kSeenLoop}) +
      " </dev/null >/dev/null 2>&1 & echo $! > " + kSeenPid + "; cat " + kSeenPid;
  seen_pid_ = std::atoi(run("n2", start).c_str());
  ASSERT_GT(seen_pid_, 0);
  ASSERT_TRUE(seen_offset_becomes("n2", 0, 3000ms)) << "seen=" << seen("n2");
  const long long before_bump = seen("n2");

  // Bump n2 by +60 s.
  ClockSkew skew;
  skew.delta_ms = {{"n2", 60'000}};
  const auto t0 = std::chrono::steady_clock::now();
  auto bumped = clock_->bump(skew);
  const auto bump_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  ASSERT_EQ(bumped.size(), 1u);
  ASSERT_TRUE(bumped[0].ok()) << bumped[0].error().message;
  EXPECT_EQ(bumped[0]->node, "n2");
  EXPECT_EQ(bumped[0]->delta_ms, 60'000);
  EXPECT_EQ(bumped[0]->spec, "+60.000s");
  EXPECT_EQ(bumped[0]->measured.spec, "+60.000s");
  expect_offset(bumped[0]->measured, "n2", 60'000);
  std::cout << "bump: " << describe(*bumped[0]) << " in " << bump_ms.count() << " ms\n";

  // Faked processes: n2 is +60 s, n1 and n3 are not (their offset files are their own).
  auto readings = clock_->measure(all);
  ASSERT_EQ(readings.size(), 3u);
  expect_offset(readings[0], "n1", 0);
  expect_offset(readings[1], "n2", 60'000);
  expect_offset(readings[2], "n3", 0);
  for (const auto& r : readings) {
    if (r.ok()) std::cout << "measure: " << describe(*r) << "\n";
  }
  EXPECT_EQ(readings[0]->spec, "+0");
  EXPECT_EQ(readings[2]->spec, "+0");

  // Unfaked processes on n2 and on the host keep the real clock.
  const long long host_before = realtime_ms();
  const long long n2_real = std::atoll(run("n2", "date +%s%3N").c_str());
  const long long host_after = realtime_ms();
  EXPECT_NEAR(static_cast<double>(n2_real), static_cast<double>((host_before + host_after) / 2),
              static_cast<double>(kToleranceMs));
  FILE* p = ::popen("date +%s", "r");
  ASSERT_NE(p, nullptr);
  char buf[64] = {};
  const bool got = std::fgets(buf, sizeof buf, p) != nullptr;
  ::pclose(p);
  ASSERT_TRUE(got);
  EXPECT_LE(std::llabs(std::atoll(buf) - realtime_ms() / 1000), 2) << buf;

  // The process that was already running sees the jump without a restart (libfaketime
  // re-reads the file within about a second).
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(seen_offset_becomes("n2", 60, 3000ms)) << "seen=" << seen("n2");
  std::cout << "long-running process saw the bump after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - t1)
                   .count()
            << " ms; seen " << before_bump << " -> " << seen("n2") << "\n";
  EXPECT_NEAR(static_cast<double>(seen("n2") - before_bump), 60.0, 4.0);
  EXPECT_EQ(run("n2", "kill -0 " + std::to_string(seen_pid_) + " && echo alive"), "alive\n");
  EXPECT_EQ(run("n2", std::string("cat ") + kSeenPid), std::to_string(seen_pid_) + "\n");

  // Reset: every faked process is back at the real time, the running one too.
  for (const auto& r : clock_->reset(all)) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->spec, "+0");
    expect_offset(r->measured, r->node, 0);
  }
  for (const auto& r : clock_->measure(all)) expect_offset(r, r.ok() ? r->node : "", 0);
  EXPECT_TRUE(seen_offset_becomes("n2", 0, 3000ms)) << "seen=" << seen("n2");

  // A negative, sub-second bump on two nodes at once.
  skew.delta_ms = {{"n1", -2'500}, {"n3", -250}};
  auto neg = clock_->bump(skew);
  ASSERT_EQ(neg.size(), 2u);
  ASSERT_TRUE(neg[0].ok()) << neg[0].error().message;
  ASSERT_TRUE(neg[1].ok()) << neg[1].error().message;
  EXPECT_EQ(neg[0]->spec, "-2.500s");
  EXPECT_EQ(neg[1]->spec, "-0.250s");
  EXPECT_NEAR(static_cast<double>(neg[0]->measured.offset_ms), -2500.0, 500.0);
  EXPECT_NEAR(static_cast<double>(neg[1]->measured.offset_ms), -250.0, 500.0);
  for (const auto& r : clock_->reset({"n1", "n3"})) ASSERT_TRUE(r.ok()) << r.error().message;

  // Errors name the node; bump refuses a strobe, strobe refuses a missing period.
  skew.delta_ms = {{"n9", 1000}};
  auto unknown = clock_->bump(skew);
  ASSERT_EQ(unknown.size(), 1u);
  ASSERT_FALSE(unknown[0].ok());
  EXPECT_NE(unknown[0].error().message.find("n9"), std::string::npos) << unknown[0].error().message;
  skew.delta_ms = {{"n2", 1000}};
  skew.strobe_period_ms = 100;
  skew.strobe_duration_ms = 1000;
  auto strobe_bump = clock_->bump(skew);
  ASSERT_FALSE(strobe_bump.at(0).ok());
  EXPECT_NE(strobe_bump[0].error().message.find("n2"), std::string::npos);
  skew.strobe_period_ms = 0;
  auto no_period = clock_->strobe(skew);
  ASSERT_FALSE(no_period.at(0).ok());
  EXPECT_NE(no_period[0].error().message.find("n2"), std::string::npos);

  // A strobe of n2 and n3 (+60 s / 0 every 200 ms for 1 s): fresh faked processes see
  // both values while it runs, and both nodes end at +0.
  skew.delta_ms = {{"n2", 60'000}, {"n3", 60'000}};
  skew.strobe_period_ms = 200;
  skew.strobe_duration_ms = 1000;
  // The strobe holds n2's session in pool_ for its whole duration, so the samples go
  // through a second pool (its own SSH sessions).
  auto nodes = harness::control::load_nodes_file(dir_ / "nodes.json", {});
  ASSERT_TRUE(nodes.ok()) << nodes.error().message;
  harness::control::Pool sampler_pool(*nodes, harness::control::SshOptions{});
  FaketimeClock sampler(sampler_pool);
  ASSERT_TRUE(sampler.measure({"n2"}).at(0).ok());  // connect before the strobe starts
  ClockOutcomes strobed;
  std::thread strober([&] { strobed = clock_->strobe(skew); });
  std::set<bool> n2_values;  // true: saw about +60 s
  const auto strobe_end = std::chrono::steady_clock::now() + 900ms;
  while (std::chrono::steady_clock::now() < strobe_end) {
    auto r = sampler.measure({"n2"}).at(0);
    if (r.ok()) n2_values.insert(r->offset_ms > 30'000);
    std::this_thread::sleep_for(30ms);
  }
  strober.join();
  ASSERT_EQ(strobed.size(), 2u);
  for (const auto& r : strobed) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    std::cout << "strobe: " << describe(*r) << "\n";
    EXPECT_EQ(r->spec, "+0");
    EXPECT_GE(r->flips, 4);
    EXPECT_LE(r->flips, 6);
    expect_offset(r->measured, r->node, 0);
  }
  EXPECT_EQ(n2_values, (std::set<bool>{false, true}));
  expect_offset(clock_->measure({"n2"}).at(0), "n2", 0);

  // Stop the loop by its pid and check it is gone.
  run("n2", "kill " + std::to_string(seen_pid_));
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = run("n2", "test -d /proc/" + std::to_string(seen_pid_) + " && echo yes || echo no") ==
           "no\n";
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(gone);
  if (gone) seen_pid_ = 0;
}

}  // namespace
}  // namespace faultline::nemesis
