#pragma once
// LocalClusterTest: the GoogleTest fixture of every test that runs on a real local
// cluster (harness/cluster). bring_up() makes a fresh state dir and N nodes on a subnet
// of the test's own, and an SSH pool to them; TearDown takes the cluster down and
// removes the state dir, also when the test failed. Skips unless root with
// /usr/sbin/sshd. Every test must use a /24 that no other e2e test uses, so CTest can
// run them in parallel: the third octets in use are listed in tests/CMakeLists.txt.
// Derived fixtures drop what holds the pool before calling LocalClusterTest::TearDown.

#include <unistd.h>

#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "harness/cluster/cluster.h"
#include "harness/control/node.h"
#include "harness/control/ssh.h"

namespace faultline::testing {

class LocalClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (!std::filesystem::exists("/usr/sbin/sshd")) GTEST_SKIP() << "needs /usr/sbin/sshd";
  }

  void TearDown() override {
    pool_.reset();
    if (dir_.empty()) return;
    std::ostringstream log;
    auto s = harness::cluster::down(dir_, log);
    EXPECT_TRUE(s.ok()) << s.error().message << "\n" << log.str();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // `count` nodes on `subnet` ("10.77.41.0/24"). Fails fatally on error: callers in a
  // test body wrap it in ASSERT_NO_FATAL_FAILURE.
  void bring_up(int count, const std::string& subnet) {
    char tmpl[] = "/tmp/fl-e2e-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    harness::cluster::UpOptions o;
    o.nodes = count;
    o.subnet = subnet;
    o.state_dir = dir_;
    std::ostringstream log;
    auto s = harness::cluster::up(o, log);
    ASSERT_TRUE(s.ok()) << s.error().message << "\n" << log.str();
    auto nodes = harness::control::load_nodes_file(dir_ / "nodes.json", {});
    ASSERT_TRUE(nodes.ok()) << nodes.error().message;
    nodes_ = *nodes;
    names_.clear();
    for (const auto& n : nodes_) names_.push_back(n.name);
    pool_ = std::make_unique<harness::control::Pool>(nodes_, harness::control::SshOptions{});
  }

  // Runs `command` on `node`, expecting it to run and exit 0; returns its stdout.
  std::string run(const std::string& node, const std::string& command,
                  int64_t timeout_ms = 20'000) {
    auto r = pool_->exec(node, command, timeout_ms);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return "";
    EXPECT_EQ(r->exit_status, 0) << node << ": " << command << ": " << r->err;
    return r->out;
  }

  // "10.77.<octet>.0/24" for the current test, from a table of test name -> octet.
  static std::string subnet_of_current_test(const std::map<std::string, int>& octets) {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    return "10.77." + std::to_string(octets.at(name)) + ".0/24";
  }

  std::filesystem::path dir_;
  std::vector<harness::control::NodeSpec> nodes_;
  std::vector<std::string> names_;
  std::unique_ptr<harness::control::Pool> pool_;
};

}  // namespace faultline::testing
