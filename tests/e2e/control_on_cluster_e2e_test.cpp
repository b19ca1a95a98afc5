// The SSH control layer (harness/control, libssh) against a real local cluster: what the
// harness does to every node of every run. Needs root and /usr/sbin/sshd; skips
// otherwise. Each test has its own state dir and subnet (CTest runs them in parallel,
// beside the other e2e tests).

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <gtest/gtest.h>
#include <sstream>

#include "base/clock.h"
#include "base/random.h"
#include "harness/cluster/cluster.h"
#include "harness/cluster/process.h"
#include "harness/control/node.h"
#include "harness/control/ssh.h"
#include "tests/e2e/local_cluster_test.h"

namespace faultline::harness::cluster {
namespace {

namespace fs = std::filesystem;

// Each test's own subnet (see tests/e2e/local_cluster_test.h).
const std::map<std::string, int> kOctets = {
    {"EachNodeAnswersWithItsOwnHostnameAndSeesOnlyItsOwnProcesses", 41},
    {"TenMegabyteUploadAndDownloadKeepTheSameSha256", 42},
    {"HostileArgumentsReachTheNodeUnchanged", 43},
    {"StoppedSshdFailsWithinTheTimeoutNamingTheNodeAndThePoolReconnects", 44},
    {"ChangedHostKeyIsRefusedNamingTheNode", 45},
    {"UnknownHostKeyIsRefusedUnlessAcceptNewIsAsked", 46},
};

class ControlOnCluster : public testing::LocalClusterTest {
 protected:
  void SetUp() override {
    LocalClusterTest::SetUp();
    if (IsSkipped()) return;
    subnet_ = subnet_of_current_test(kOctets);
    bring_up(3, subnet_);
  }

  std::string subnet_;
};

TEST_F(ControlOnCluster, EachNodeAnswersWithItsOwnHostnameAndSeesOnlyItsOwnProcesses) {
  const std::string host_pids = std::to_string(std::distance(fs::directory_iterator("/proc"), {}));
  for (const auto& n : nodes_) {
    EXPECT_EQ(run(n.name, "hostname"), n.name + "\n");
    // A fresh PID namespace: sshd is pid 1, and there are only a few processes
    // (sshd, the session's sshd, the shell running this).
    EXPECT_EQ(run(n.name, "cat /proc/1/comm"), "sshd\n");
    const int count = std::stoi(run(n.name, "ls /proc | grep -c '^[0-9]'"));
    EXPECT_LT(count, 10) << n.name;
  }
}

TEST_F(ControlOnCluster, TenMegabyteUploadAndDownloadKeepTheSameSha256) {
  const fs::path local = dir_ / "blob.bin", back = dir_ / "blob.back";
  {
    base::Random rnd(42);
    std::ofstream out(local, std::ios::binary);
    for (int i = 0; i < 10 * 1024 * 1024 / 8; ++i) {
      const uint64_t w = rnd.next_u64();
      out.write(reinterpret_cast<const char*>(&w), sizeof w);
    }
  }
  auto up_status = pool_->upload("n2", local, "/opt/faultline/blob.bin", 0640);
  ASSERT_TRUE(up_status.ok()) << up_status.error().message;
  auto remote_sum = run("n2", "sha256sum /opt/faultline/blob.bin | cut -d' ' -f1");
  auto down_status = pool_->download("n2", "/opt/faultline/blob.bin", back);
  ASSERT_TRUE(down_status.ok()) << down_status.error().message;
  // sha256sum on the host, of both files.
  std::string cmd = "sha256sum " + local.string() + " " + back.string() + " | cut -d' ' -f1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[200];
  std::string sums;
  while (fgets(buf, sizeof buf, p) != nullptr) sums += buf;
  ::pclose(p);
  EXPECT_EQ(sums, remote_sum + remote_sum);
  EXPECT_EQ(fs::file_size(back), 10u * 1024 * 1024);
  // The node's /opt/faultline is its own.
  EXPECT_EQ(run("n1", "test -e /opt/faultline/blob.bin; echo $?"), "1\n");
}

TEST_F(ControlOnCluster, HostileArgumentsReachTheNodeUnchanged) {
  const std::vector<std::string> hostile = {"a b",  "it's", "\"q\"", "$(touch /tmp/pwned)",
                                            "`id`", "; rm -rf /opt/faultline", "x\ny",
                                            "*",    "~",    "-n",   "", "\\$HOME"};
  std::vector<std::string> argv = {"printf", "%s\\n"};
  argv.insert(argv.end(), hostile.begin(), hostile.end());
  auto r = pool_->exec_argv("n1", argv, 10'000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::string expected;
  for (const auto& h : hostile) expected += h + "\n";
  EXPECT_EQ(r->out, expected);
  EXPECT_EQ(run("n1", "test -e /tmp/pwned; echo $?"), "1\n");
}

TEST_F(ControlOnCluster, StoppedSshdFailsWithinTheTimeoutNamingTheNodeAndThePoolReconnects) {
  ASSERT_EQ(run("n2", "hostname"), "n2\n");
  auto st = read_state(dir_);
  ASSERT_TRUE(st.ok());
  const NodeRecord& n2 = st->nodes.at(1);
  ASSERT_EQ(n2.name, "n2");
  // Stop n2's sshd: its PID namespace's init, which we started (checked by start time).
  ASSERT_TRUE(process_alive(n2.init_pid, n2.init_start));
  ASSERT_EQ(::kill(n2.init_pid, SIGKILL), 0);

  const auto& clock = base::real_clock();
  const int64_t t0 = clock.now_ns();
  auto r = pool_->exec("n2", "hostname", 2000);
  const double seconds = static_cast<double>(clock.now_ns() - t0) / 1e9;
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("n2"), std::string::npos) << r.error().message;
  EXPECT_LT(seconds, 3.0);
  EXPECT_EQ(run("n1", "hostname"), "n1\n");  // the other nodes are unaffected

  // `up` repairs the node; the same pool reconnects by itself.
  UpOptions o;
  o.nodes = 3;
  o.subnet = subnet_;
  o.state_dir = dir_;
  std::ostringstream log;
  ASSERT_TRUE(up(o, log).ok()) << log.str();
  EXPECT_EQ(run("n2", "hostname"), "n2\n");
}

TEST_F(ControlOnCluster, ChangedHostKeyIsRefusedNamingTheNode) {
  // A known_hosts that pins n1's address to n2's key: what a man in the middle
  // (or a rebuilt machine) looks like.
  std::ifstream in(dir_ / "known_hosts");
  std::string line, n1_line, n2_key;
  while (std::getline(in, line)) {
    if (line.rfind(nodes_[0].host + " ", 0) == 0) n1_line = line;
    if (line.rfind(nodes_[1].host + " ", 0) == 0) n2_key = line.substr(line.find(' ') + 1);
  }
  ASSERT_FALSE(n1_line.empty());
  ASSERT_FALSE(n2_key.empty());
  const fs::path tampered = dir_ / "known_hosts.tampered";
  std::ofstream(tampered) << nodes_[0].host << " " << n2_key << "\n";
  control::NodeSpec n1 = nodes_[0];
  n1.known_hosts_path = tampered.string();
  for (bool accept_new : {false, true}) {
    control::SshOptions o;
    o.accept_new_host_keys = accept_new;
    control::Pool pool({n1}, o);
    auto r = pool.exec("n1", "hostname", 5000);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("node n1"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("CHANGED"), std::string::npos) << r.error().message;
  }
}

TEST_F(ControlOnCluster, UnknownHostKeyIsRefusedUnlessAcceptNewIsAsked) {
  const fs::path empty = dir_ / "known_hosts.empty";
  std::ofstream(empty).flush();
  control::NodeSpec n3 = nodes_[2];
  n3.known_hosts_path = empty.string();
  {
    control::Pool pool({n3}, control::SshOptions{});
    auto r = pool.exec("n3", "hostname", 5000);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("unknown"), std::string::npos) << r.error().message;
  }
  control::SshOptions learn;
  learn.accept_new_host_keys = true;
  control::Pool pool({n3}, learn);
  auto r = pool.exec("n3", "hostname", 5000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->out, "n3\n");
  std::ifstream kh(empty);
  std::string learned((std::istreambuf_iterator<char>(kh)), {});
  EXPECT_NE(learned.find(nodes_[2].host), std::string::npos);
}

}  // namespace
}  // namespace faultline::harness::cluster
