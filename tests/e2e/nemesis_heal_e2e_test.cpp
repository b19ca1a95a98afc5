// After a controller crash: faults applied and recorded in the nemesis state file, the
// controller gone, then `faultline cluster heal` (the real binary) undoes them all.
// Needs root, sshd, iptables; skips otherwise. Own state dir and subnet 10.77.66.0/24.

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <gtest/gtest.h>
#include <sstream>

#include "harness/cluster/cluster.h"
#include "harness/control/node.h"
#include "harness/control/quote.h"
#include "harness/control/ssh.h"
#include "nemesis/clock.h"
#include "nemesis/iptables.h"
#include "nemesis/process_faults.h"
#include "nemesis/state_file.h"
#include "nemesis/topology.h"
#include "tests/e2e/counter_target.h"
#include "tests/e2e/local_cluster_test.h"

namespace faultline::nemesis {
namespace {

namespace fs = std::filesystem;
namespace control = harness::control;

using testing::counter_spec;

class HealAfterCrash : public testing::LocalClusterTest {
 protected:
  void SetUp() override {
    LocalClusterTest::SetUp();
    if (IsSkipped()) return;
    if (!fs::exists("/usr/sbin/iptables")) GTEST_SKIP() << "needs /usr/sbin/iptables";
    bring_up(3, "10.77.66.0/24");
  }
};

TEST_F(HealAfterCrash, ClusterHealUndoesPartitionPauseKillAndClockFromTheStateFile) {
  const fs::path state = state_path(dir_);
  const std::vector<NodeName>& names = names_;
  for (const auto& n : names) run(n, testing::install_counter_command());
  {
    // The controller: start the target, then apply and record faults.
    ProcessFaults processes(*pool_, counter_spec());
    processes.record_state_in(state);
    for (const auto& r : processes.restart(names)) ASSERT_TRUE(r.ok()) << r.error().message;
    IptablesNet net(*pool_, addresses_of(nodes_));
    net.record_state_in(state);
    ASSERT_TRUE(net.apply(halves(names)).ok());
    ASSERT_TRUE(processes.pause({"n1"}).at(0).ok());
    ASSERT_TRUE(processes.kill({"n2"}).at(0).ok());
    FaketimeClock clock(*pool_);
    ClockSkew skew;
    skew.delta_ms["n3"] = 60'000;
    ASSERT_TRUE(clock.bump(skew).at(0).ok());
    ASSERT_TRUE(update_state(state, [](NemesisState& s) { set_clock_offset(s, "n3", 60'000); }).ok());
    // ... and the controller dies here: nothing is healed.
  }
  auto before = read_state(state);
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->empty());
  // halves of 3: n1 | n2 n3, so n1 drops from two peers.
  EXPECT_EQ(run("n1", "iptables -S FAULTLINE | grep -c -- '-j DROP'"), "2\n");

  const std::string command = std::string(FAULTLINE_BIN) + " cluster heal --state-dir " +
                              control::shell_quote(dir_.string()) + " 2>&1";
  FILE* p = ::popen(command.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
  EXPECT_EQ(WEXITSTATUS(::pclose(p)), 0) << out;

  auto after = read_state(state);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty()) << out;
  for (const auto& n : names) {
    EXPECT_EQ(run(n, "iptables -S | grep -c FAULTLINE || true"), "0\n") << n;
    // The counter runs again and is not stopped.
    const std::string pid = run(n, "cat /opt/faultline/counter.pid");
    ASSERT_FALSE(pid.empty()) << n;
    // Alive and not stopped: running, sleeping or briefly in disk wait, never T or Z.
    const std::string st =
        run(n, "awk '{print $3}' /proc/" + pid.substr(0, pid.size() - 1) + "/stat");
    EXPECT_NE(std::string("RSD").find(st.substr(0, 1)), std::string::npos)
        << n << " is in state " << st << "\n" << out;
    EXPECT_EQ(st.size(), 2u) << st;
  }
  EXPECT_NE(out.find("n2: "), std::string::npos) << out;
  EXPECT_EQ(run("n3", "cat /opt/faultline/clock/offset"), "+0\n");
  // A second heal finds nothing to do and succeeds.
  EXPECT_EQ(WEXITSTATUS(std::system((std::string(FAULTLINE_BIN) + " cluster heal --state-dir " +
                                     control::shell_quote(dir_.string()) + " >/dev/null 2>&1")
                                        .c_str())),
            0);
}

}  // namespace
}  // namespace faultline::nemesis
