// `faultline run --target etcd` end to end (issue [etcd], must-show): a real etcd 3.4
// cluster (Debian's etcd-server, the host's /usr/bin/etcd) of 3 members on a local
// cluster comes up, and the register workload under partitions and kills is valid with
// linearizable reads; clock faults, which libfaketime cannot bring to a Go binary, are
// refused as a config error. Each test brings up its own cluster (its own subnet,
// 10.77.120-129, and state dir) through `faultline run`, bounded by `timeout`, and
// always takes it down. Needs root and /usr/bin/etcd; skips otherwise.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/e2e/run_fixture.h"

namespace {

namespace fs = std::filesystem;
using faultline::tests::q;
using faultline::tests::sh;
using faultline::tests::Shell;
using faultline::tests::slurp;

class EtcdE2e : public faultline::tests::RunFixture {
 protected:
  EtcdE2e() : RunFixture("faultline-etcd-e2e") {}
  void SetUp() override {
    if (::access("/usr/bin/etcd", X_OK) != 0) GTEST_SKIP() << "needs /usr/bin/etcd (scripts/setup.sh)";
    RunFixture::SetUp();
  }

  Shell run(int subnet, const std::string& extra) const {
    const Shell r = sh("timeout 200 " + std::string(FAULTLINE_BIN) + " run --target etcd --nodes 3 --subnet 10.77." +
                       std::to_string(subnet) + ".0/24 --state-dir " + q(state()) + " --store " + q(store()) +
                       " --concurrency 6 --rate 100 " + extra);
    std::printf("%s\n", r.output.c_str());
    return r;
  }
};

TEST_F(EtcdE2e, RegisterUnderPartitionAndKillIsValidWithLinearizableReads) {
  const Shell r = run(120, "--workload register --time-limit 30 --nemesis partition,kill "
                           "--nemesis-interval 4 --seed 21");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("verdict: valid"), std::string::npos);
  const fs::path latest = fs::path(store()) / "latest";
  for (const char* file : {"test.json", "history.jsonl", "results.json", "n1/etcd.log", "n3/etcd.log"})
    EXPECT_TRUE(fs::exists(latest / file)) << file;
  EXPECT_NE(slurp(latest / "test.json").find("\"read_mode\": \"linearizable\""), std::string::npos);
  // Faults really happened, and clients got answers in between.
  const std::string history = slurp(latest / "history.jsonl");
  for (const char* f : {"start-partition", "start-kill", "heal"})
    EXPECT_NE(history.find(std::string("\"f\":\"") + f + "\""), std::string::npos) << f;
  EXPECT_NE(history.find("\"type\":\"ok\""), std::string::npos);
  // The run took its cluster (and with it every member) down.
  EXPECT_FALSE(fs::exists(fs::path(state()) / "cluster.json"));
}

TEST_F(EtcdE2e, ClockFaultsOnFaketimeNodesAreAConfigError) {
  const Shell r = run(121, "--workload register --time-limit 5 --nemesis clock --seed 22");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("clock faults do not reach etcd"), std::string::npos);
  EXPECT_FALSE(fs::exists(fs::path(state()) / "cluster.json"));
}

}  // namespace
