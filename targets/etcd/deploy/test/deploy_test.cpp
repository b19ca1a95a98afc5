#include "targets/etcd/deploy/deploy.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace faultline::targets::etcd::deploy {
namespace {

const std::vector<DeployNode> kNodes = {{"n1", "10.0.0.2"}, {"n2", "10.0.0.3"}, {"n3", "10.0.0.4"}};

std::string flag(const std::vector<std::string>& argv, const std::string& name) {
  const auto it = std::find(argv.begin(), argv.end(), name);
  return it == argv.end() || it + 1 == argv.end() ? std::string("<missing>") : *(it + 1);
}

TEST(EtcdDeploy, MemberListensOnItsOwnAddressAndKnowsTheWholeCluster) {
  const EtcdDeploy deploy;
  const auto argv = deploy.start_argv(kNodes, 1, {});
  EXPECT_EQ(argv.front(), "/usr/bin/etcd");
  EXPECT_EQ(flag(argv, "--name"), "n2");
  EXPECT_EQ(flag(argv, "--data-dir"), "/opt/faultline/etcd/data");
  EXPECT_EQ(flag(argv, "--listen-peer-urls"), "http://10.0.0.3:2380");
  EXPECT_EQ(flag(argv, "--initial-advertise-peer-urls"), "http://10.0.0.3:2380");
  EXPECT_EQ(flag(argv, "--listen-client-urls"), "http://10.0.0.3:2379");
  EXPECT_EQ(flag(argv, "--advertise-client-urls"), "http://10.0.0.3:2379");
  EXPECT_EQ(flag(argv, "--initial-cluster"), "n1=http://10.0.0.2:2380,n2=http://10.0.0.3:2380,n3=http://10.0.0.4:2380");
  EXPECT_EQ(flag(argv, "--initial-cluster-state"), "new");
}

TEST(EtcdDeploy, ClientUrlsNameEveryMember) {
  const auto urls = EtcdDeploy::client_urls(kNodes, {});
  ASSERT_EQ(urls.size(), 3u);
  EXPECT_EQ(urls[2], (std::pair<std::string, std::string>{"n3", "http://10.0.0.4:2379"}));
}

TEST(EtcdDeploy, WipeRemovesDataLogAndPidfileOnly) {
  const EtcdDeploy deploy;
  EXPECT_EQ(deploy.wipe_argv(), (std::vector<std::string>{"rm", "-rf", "--", "/opt/faultline/etcd/data",
                                                          "/opt/faultline/etcd/etcd.log", "/opt/faultline/etcd/etcd.pid"}));
}

TEST(EtcdDeploy, InstallRunsOnlyWhereTheBinaryIsMissing) {
  const auto argv = EtcdDeploy{}.install_argv();
  ASSERT_EQ(argv.size(), 6u);
  EXPECT_EQ(argv[0], "sh");
  EXPECT_EQ(argv[2].rfind("[ -x \"$1\" ] && exit 0;", 0), 0u);  // present: nothing else runs
  EXPECT_EQ(argv[4], "/usr/bin/etcd");
  EXPECT_EQ(argv[5], "etcd-server");
}

}  // namespace
}  // namespace faultline::targets::etcd::deploy
