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

namespace faultline::nemesis {
namespace {

namespace fs = std::filesystem;
namespace control = harness::control;

// A counter that the heal must find again by its pidfile and cmdline.
constexpr const char* kCounterScript =
    "#!/bin/sh\n"
    "i=0\n"
    "while :; do i=$((i+1)); echo $i > /opt/faultline/count.tmp && "
    "mv /opt/faultline/count.tmp /opt/faultline/count; sleep 0.02; done\n";

ProcessSpec counter_spec() {
  ProcessSpec spec;
  spec.pidfile = "/opt/faultline/counter.pid";
  spec.start_command =
      "sh /opt/faultline/counter.sh </dev/null >/dev/null 2>&1 & echo $! > /opt/faultline/counter.pid";
  spec.expect = "counter.sh";
  return spec;
}

class HealAfterCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (!fs::exists("/usr/sbin/sshd") || !fs::exists("/usr/sbin/iptables")) {
      GTEST_SKIP() << "needs sshd and iptables";
    }
    char tmpl[] = "/tmp/fl-heal-e2e-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    harness::cluster::UpOptions o;
    o.nodes = 3;
    o.subnet = "10.77.66.0/24";
    o.state_dir = dir_;
    std::ostringstream log;
    auto s = harness::cluster::up(o, log);
    ASSERT_TRUE(s.ok()) << s.error().message << "\n" << log.str();
    auto nodes = control::load_nodes_file(dir_ / "nodes.json", {});
    ASSERT_TRUE(nodes.ok()) << nodes.error().message;
    nodes_ = *nodes;
    pool_ = std::make_unique<control::Pool>(nodes_, control::SshOptions{});
  }

  void TearDown() override {
    pool_.reset();
    if (dir_.empty()) return;
    std::ostringstream log;
    auto s = harness::cluster::down(dir_, log);
    EXPECT_TRUE(s.ok()) << s.error().message;
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string run(const std::string& node, const std::string& command) {
    auto r = pool_->exec(node, command, 10'000);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r->out : "";
  }

  fs::path dir_;
  std::vector<control::NodeSpec> nodes_;
  std::unique_ptr<control::Pool> pool_;
};

TEST_F(HealAfterCrash, ClusterHealUndoesPartitionPauseKillAndClockFromTheStateFile) {
  const fs::path state = state_path(dir_);
  std::vector<NodeName> names;
  for (const auto& n : nodes_) names.push_back(n.name);
  for (const auto& n : names) {
    run(n, "printf '%s' " + control::shell_quote(kCounterScript) + " > /opt/faultline/counter.sh");
  }
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
    EXPECT_EQ(run(n, "awk '{print $3}' /proc/" + pid.substr(0, pid.size() - 1) + "/stat"), "S\n")
        << n << "\n" << out;
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
