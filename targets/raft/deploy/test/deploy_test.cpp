// The deploy recipe: paths under the remote dir and argv vectors the harness quotes.

#include "targets/raft/deploy/deploy.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace faultline::targets::raft::deploy {
namespace {

const std::vector<DeployNode> kNodes = {{"n1", "10.0.0.1"}, {"n2", "10.0.0.2"}, {"n3", "10.0.0.3"}};

TEST(RaftDeploy, PathsLiveUnderTheRemoteDir) {
  RaftDeploy d;
  EXPECT_EQ(d.binary_path(), "/opt/faultline/raft/faultline-raft");
  EXPECT_EQ(d.data_dir(), "/opt/faultline/raft/data");
  EXPECT_EQ(d.log_file(), "/opt/faultline/raft/raft.log");
  EXPECT_EQ(d.pidfile(), "/opt/faultline/raft/raft.pid");
}

TEST(RaftDeploy, StartArgvNamesTheNodeItsPeersAndOptions) {
  RaftDeploy d;
  DeployOptions options;
  options.read_mode = "lease";
  options.bugs = {Bug::NoReadQuorum, Bug::StaleRead};
  const auto argv = d.start_argv(kNodes, 1, options);
  const std::vector<std::string> expected = {
      "/opt/faultline/raft/faultline-raft",
      "--id", "n2",
      "--peers", "n1=10.0.0.1:7100,n2=10.0.0.2:7100,n3=10.0.0.3:7100",
      "--client-port", "7101",
      "--data-dir", "/opt/faultline/raft/data",
      "--pidfile", "/opt/faultline/raft/raft.pid",
      "--read-mode", "lease",
      "--tick-ms", "10",
      "--election-ticks", "10",
      "--snapshot-every", "10000",
      "--bug", "stale-read",
      "--bug", "no-read-quorum"};
  EXPECT_EQ(argv, expected);
}

TEST(RaftDeploy, MaxEntriesPerMessageIsPassedOnlyWhenSet) {
  RaftDeploy d;
  DeployOptions options;
  auto argv = d.start_argv(kNodes, 0, options);
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "--max-entries-per-message"), argv.end());
  options.max_entries_per_message = 1;
  argv = d.start_argv(kNodes, 0, options);
  auto flag = std::find(argv.begin(), argv.end(), "--max-entries-per-message");
  ASSERT_NE(flag, argv.end());
  ASSERT_NE(flag + 1, argv.end());
  EXPECT_EQ(*(flag + 1), "1");
}

TEST(RaftDeploy, ClientAddressesUseTheClientPort) {
  const auto addresses = RaftDeploy::client_addresses(kNodes, DeployOptions{});
  ASSERT_EQ(addresses.size(), 3u);
  EXPECT_EQ(addresses[2], std::make_pair(std::string("n3"), std::string("10.0.0.3:7101")));
}

TEST(RaftDeploy, WipeRemovesDataLogAndPidfileButNotTheBinary) {
  RaftDeploy d;
  d.remote_dir = "/tmp/x";
  const auto argv = d.wipe_argv();
  EXPECT_EQ(argv.front(), "rm");
  EXPECT_NE(std::find(argv.begin(), argv.end(), "/tmp/x/data"), argv.end());
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "/tmp/x/faultline-raft"), argv.end());
}

}  // namespace
}  // namespace faultline::targets::raft::deploy
