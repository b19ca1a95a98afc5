// The deploy recipe of faultline-zab: paths under its own remote dir and argv vectors
// the harness quotes, with every common server flag the binary takes.

#include "targets/zab/deploy/deploy.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace faultline::targets::zab::deploy {
namespace {

const std::vector<DeployNode> kNodes = {{"n1", "10.0.0.1"}, {"n2", "10.0.0.2"}, {"n3", "10.0.0.3"}};

TEST(ZabDeploy, PathsLiveUnderTheRemoteDir) {
  ZabDeploy d;
  EXPECT_EQ(d.binary_name, "faultline-zab");
  EXPECT_EQ(d.binary_path(), "/opt/faultline/zab/faultline-zab");
  EXPECT_EQ(d.data_dir(), "/opt/faultline/zab/data");
  EXPECT_EQ(d.log_file(), "/opt/faultline/zab/zab.log");
  EXPECT_EQ(d.pidfile(), "/opt/faultline/zab/zab.pid");
}

TEST(ZabDeploy, StartArgvNamesTheNodeItsPeersAndOptions) {
  ZabDeploy d;
  DeployOptions options;
  options.read_mode = "sync";
  options.election_ticks = 30;
  options.bugs = {Bug::AckBeforePersist, Bug::SkipSync};
  const auto argv = d.start_argv(kNodes, 2, options);
  const std::vector<std::string> expected = {
      "/opt/faultline/zab/faultline-zab",
      "--id", "n3",
      "--peers", "n1=10.0.0.1:7200,n2=10.0.0.2:7200,n3=10.0.0.3:7200",
      "--client-port", "7201",
      "--data-dir", "/opt/faultline/zab/data",
      "--pidfile", "/opt/faultline/zab/zab.pid",
      "--read-mode", "sync",
      "--tick-ms", "10",
      "--election-ticks", "30",
      "--bug", "skip-sync",
      "--bug", "ack-before-persist"};
  EXPECT_EQ(argv, expected);
}

TEST(ZabDeploy, DefaultsAreLocalReadsOnPortsBesideRafts) {
  const DeployOptions options;
  EXPECT_EQ(options.read_mode, "local");
  const auto addresses = ZabDeploy::client_addresses(kNodes, options);
  ASSERT_EQ(addresses.size(), 3u);
  EXPECT_EQ(addresses[0], std::make_pair(std::string("n1"), std::string("10.0.0.1:7201")));
}

TEST(ZabDeploy, WipeRemovesDataLogAndPidfileButNotTheBinary) {
  ZabDeploy d;
  d.remote_dir = "/tmp/z";
  const auto argv = d.wipe_argv();
  EXPECT_EQ(argv.front(), "rm");
  EXPECT_NE(std::find(argv.begin(), argv.end(), "/tmp/z/data"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "/tmp/z/zab.log"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "/tmp/z/zab.pid"), argv.end());
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "/tmp/z/faultline-zab"), argv.end());
}

}  // namespace
}  // namespace faultline::targets::zab::deploy
