// The local cluster end to end: real namespaces, bridge and sshd, reached with the
// OpenSSH client. Needs root and /usr/sbin/sshd; skips otherwise. Each test has its
// own state dir and subnet (so CTest may run them in parallel) and always runs down.

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "harness/cluster/cluster.h"
#include "harness/cluster/process.h"

namespace faultline::harness::cluster {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool pid_exists(int pid) { return pid > 0 && fs::exists("/proc/" + std::to_string(pid)); }

// SIGKILLs `pid` and waits (up to 2 s) until it is no longer running.
void kill_and_wait(int pid) {
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (process_alive(pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(2ms);
  }
  ASSERT_FALSE(process_alive(pid));
}

class ClusterE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (!fs::exists("/usr/sbin/sshd")) GTEST_SKIP() << "needs /usr/sbin/sshd";
    if (!find_program("ssh").ok()) GTEST_SKIP() << "needs the ssh client";
    char tmpl[] = "/tmp/fl-e2e-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }

  void TearDown() override {
    if (dir_.empty()) return;
    std::ostringstream log;
    auto s = down(dir_, log);
    EXPECT_TRUE(s.ok()) << s.error().message;
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  base::Status bring_up(int nodes, const std::string& subnet) {
    UpOptions o;
    o.nodes = nodes;
    o.subnet = subnet;
    o.state_dir = dir_;
    std::ostringstream log;
    auto s = up(o, log);
    if (!s.ok()) ADD_FAILURE() << log.str();
    return s;
  }

  ClusterState state() {
    auto st = read_state(dir_);
    EXPECT_TRUE(st.ok()) << st.error().message;
    return st.ok() ? *st : ClusterState{};
  }

  // Runs `command` on `node` with the OpenSSH client; expects exit 0.
  std::string ssh(const std::string& node, const std::vector<std::string>& command) {
    auto argv = ssh_argv(dir_, node, command);
    EXPECT_TRUE(argv.ok());
    if (!argv.ok()) return "";
    auto out = run_capture(*argv);
    EXPECT_TRUE(out.ok());
    if (!out.ok()) return "";
    EXPECT_EQ(out->exit_code, 0) << out->text;
    return out->text;
  }

  int ssh_exit(const std::string& node, const std::vector<std::string>& command) {
    auto argv = ssh_argv(dir_, node, command);
    auto out = run_capture(*argv);
    return out.ok() ? out->exit_code : -1;
  }

  void expect_no_trace(const ClusterState& st) {
    ASSERT_FALSE(st.nodes.empty());
    for (const auto& n : st.nodes) {
      EXPECT_FALSE(fs::exists("/run/netns/" + n.netns)) << n.netns;
      EXPECT_FALSE(fs::exists("/sys/class/net/" + n.veth)) << n.veth;
      EXPECT_FALSE(pid_exists(n.init_pid)) << n.name << " init " << n.init_pid;
      EXPECT_FALSE(pid_exists(n.launcher_pid)) << n.name << " launcher " << n.launcher_pid;
    }
    EXPECT_FALSE(fs::exists("/sys/class/net/" + st.bridge)) << st.bridge;
    auto netns = run_capture({"ip", "netns", "list"});
    ASSERT_TRUE(netns.ok());
    EXPECT_EQ(netns->text.find("fl" + st.id), std::string::npos) << netns->text;
    EXPECT_EQ(slurp("/proc/self/mountinfo").find(dir_.string()), std::string::npos);
    EXPECT_FALSE(fs::exists(dir_ / "cluster.json"));
    EXPECT_FALSE(fs::exists(dir_ / "id_ed25519"));
    EXPECT_FALSE(fs::exists(dir_ / "n1"));
  }

  fs::path dir_;
};

TEST_F(ClusterE2e, ThreeNodesComeUpWithNodesJsonKnownHostsAndOpenPorts) {
  ASSERT_TRUE(bring_up(3, "10.77.1.0/24").ok());
  auto nodes = nlohmann::json::parse(slurp(dir_ / "nodes.json"));
  ASSERT_EQ(nodes["nodes"].size(), 3u);
  std::string known_hosts = slurp(dir_ / "known_hosts");
  for (int k = 1; k <= 3; ++k) {
    const auto& n = nodes["nodes"][k - 1];
    std::string ip = "10.77.1." + std::to_string(10 + k);
    EXPECT_EQ(n["name"], "n" + std::to_string(k));
    EXPECT_EQ(n["host"], ip);
    EXPECT_EQ(n["port"], 22);
    EXPECT_EQ(n["user"], "root");
    EXPECT_EQ(n["key"], (dir_ / "id_ed25519").string());
    EXPECT_EQ(n["known_hosts"], (dir_ / "known_hosts").string());
    EXPECT_EQ(n["clock"], "faketime");
    std::string pub = slurp(dir_ / ("n" + std::to_string(k)) / "ssh_host_ed25519_key.pub");
    std::string key = pub.substr(0, pub.find(' ', pub.find(' ') + 1));
    EXPECT_NE(known_hosts.find(ip + " " + key + "\n"), std::string::npos) << known_hosts;
    EXPECT_TRUE(tcp_connects(ip, 22, 1000ms)) << ip;
  }
  EXPECT_EQ(std::count(known_hosts.begin(), known_hosts.end(), '\n'), 3);
  auto st = node_status(dir_);
  ASSERT_TRUE(st.ok());
  for (const auto& n : *st) EXPECT_TRUE(n.healthy()) << n.name;
}

TEST_F(ClusterE2e, NodesHaveTheirOwnHostnameProcessesAndOptDirectory) {
  ASSERT_TRUE(bring_up(3, "10.77.2.0/24").ok());
  for (int k = 1; k <= 3; ++k) {
    std::string name = "n" + std::to_string(k);
    EXPECT_EQ(ssh(name, {"hostname"}), name + "\n");
  }
  // Only the node's own processes: sshd as init, the session's sshd(s), the shell, cat
  // (read from /proc, which needs no procps on the node).
  std::string procs = ssh("n1", {"sh", "-c", "for p in /proc/[0-9]*; do cat $p/comm; done"});
  EXPECT_EQ(ssh("n1", {"cat", "/proc/1/comm"}), "sshd\n");
  EXPECT_LE(std::count(procs.begin(), procs.end(), '\n'), 8) << procs;
  EXPECT_GE(std::count(procs.begin(), procs.end(), '\n'), 2) << procs;

  // /opt/faultline and /tmp are private to each node.
  ssh("n1", {"sh", "-c", "echo hello > /opt/faultline/marker && echo x > /tmp/marker"});
  EXPECT_EQ(ssh("n1", {"cat", "/opt/faultline/marker"}), "hello\n");
  EXPECT_NE(ssh_exit("n2", {"test", "-e", "/opt/faultline/marker"}), 0);
  EXPECT_NE(ssh_exit("n2", {"test", "-e", "/tmp/marker"}), 0);
  EXPECT_FALSE(fs::exists("/opt/faultline/marker"));
  EXPECT_FALSE(fs::exists("/tmp/marker"));
}

TEST_F(ClusterE2e, DownRemovesEveryTrace) {
  ASSERT_TRUE(bring_up(3, "10.77.3.0/24").ok());
  ClusterState st = state();
  for (const auto& n : st.nodes) ASSERT_TRUE(pid_exists(n.init_pid));
  std::ostringstream log;
  auto s = down(dir_, log);
  ASSERT_TRUE(s.ok()) << s.error().message;
  expect_no_trace(st);
  // A second down, with no state left, is harmless.
  EXPECT_TRUE(down(dir_, log).ok());
}

TEST_F(ClusterE2e, DownCleansUpAfterAPartlyDestroyedCluster) {
  ASSERT_TRUE(bring_up(3, "10.77.4.0/24").ok());
  ClusterState st = state();
  // n1's processes die, n2's namespace name is removed under its live processes.
  kill_and_wait(st.nodes[0].init_pid);
  ASSERT_TRUE(run_checked({"ip", "netns", "del", st.nodes[1].netns}).ok());
  std::ostringstream log;
  auto s = down(dir_, log);
  ASSERT_TRUE(s.ok()) << s.error().message;
  expect_no_trace(st);
}

TEST_F(ClusterE2e, DownCleansUpAfterUpCrashedBeforeRecordingPids) {
  // Resources named after the cluster id but missing from the state (a crash between
  // creating them and recording pids) are still found.
  ASSERT_TRUE(bring_up(2, "10.77.5.0/24").ok());
  ClusterState st = state();
  auto j = nlohmann::json::parse(slurp(dir_ / "cluster.json"));
  for (auto& n : j["nodes"]) {
    n["init_pid"] = 0;
    n["launcher_pid"] = 0;
  }
  std::ofstream(dir_ / "cluster.json") << j.dump();
  std::ostringstream log;
  auto s = down(dir_, log);
  ASSERT_TRUE(s.ok()) << s.error().message;
  expect_no_trace(st);
}

TEST_F(ClusterE2e, UpTwiceIsHarmlessAndRepairsAPartialCluster) {
  ASSERT_TRUE(bring_up(2, "10.77.6.0/24").ok());
  ClusterState first = state();
  ASSERT_TRUE(bring_up(2, "10.77.6.0/24").ok());
  ClusterState second = state();
  ASSERT_EQ(second.nodes.size(), 2u);
  EXPECT_EQ(second.nodes[0].init_pid, first.nodes[0].init_pid);
  EXPECT_EQ(second.nodes[1].init_pid, first.nodes[1].init_pid);

  kill_and_wait(second.nodes[1].init_pid);
  ASSERT_TRUE(bring_up(2, "10.77.6.0/24").ok());
  ClusterState third = state();
  EXPECT_FALSE(pid_exists(second.nodes[1].init_pid));
  auto health = node_status(dir_);
  ASSERT_TRUE(health.ok());
  for (const auto& n : *health) EXPECT_TRUE(n.healthy()) << n.name;
  EXPECT_EQ(ssh("n2", {"hostname"}), "n2\n");
}

}  // namespace
}  // namespace faultline::harness::cluster
