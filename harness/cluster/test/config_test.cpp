#include "harness/cluster/config.h"

#include <gtest/gtest.h>

namespace faultline::harness::cluster {
namespace {

TEST(UnsafePath, RejectsSpacesQuotesAndPercent) {
  EXPECT_EQ(unsafe_path_reason("/var/lib/faultline/cluster"), "");
  EXPECT_NE(unsafe_path_reason("/tmp/a b"), "");
  EXPECT_NE(unsafe_path_reason("/tmp/a%h"), "");
  EXPECT_NE(unsafe_path_reason("/tmp/a'b"), "");
}

TEST(SshdConfig, ListensOnTheNodeAddressWithKeysOnly) {
  auto text = render_sshd_config(
      {"10.77.0.11", "/s/n1/ssh_host_ed25519_key", "/s/authorized_keys", "/s/n1/sshd.pid"});
  for (const char* line :
       {"ListenAddress 10.77.0.11:22\n", "HostKey /s/n1/ssh_host_ed25519_key\n",
        "AuthorizedKeysFile /s/authorized_keys\n", "PidFile /s/n1/sshd.pid\n",
        "PermitRootLogin prohibit-password\n", "PasswordAuthentication no\n", "UsePAM no\n",
        "StrictModes no\n", "LogLevel INFO\n", "Subsystem sftp internal-sftp\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
}

TEST(NodeSetup, SetsHostnameMountsPrivateDirsThenExecsSshd) {
  NodeSetup s{"n2", "/tmp/st", "/tmp/st/n2/opt", "/tmp/st/n2/sshd_config",
              "/tmp/st/n2/sshd.log"};
  auto script = render_node_setup(s);
  EXPECT_NE(script.find("hostname n2"), std::string::npos);
  EXPECT_NE(script.find("mount --bind /tmp/st/n2/opt /opt/faultline"), std::string::npos);
  EXPECT_NE(script.find("mount -t tmpfs -o mode=1777 tmpfs /tmp"), std::string::npos);
  EXPECT_NE(script.find("mount -t tmpfs -o mode=0700 tmpfs /root"), std::string::npos);
  EXPECT_GT(script.find("mount --bind /run/faultline/state /tmp/st"),
            script.find("tmpfs /root"));
  // The state dir is held aside before /tmp is covered, then bound back.
  EXPECT_LT(script.find("mount --bind /tmp/st /run/faultline/state"),
            script.find("tmpfs /tmp"));
  EXPECT_GT(script.find("mount --bind /run/faultline/state /tmp/st"),
            script.find("tmpfs /tmp"));
  auto exec = script.find("exec /usr/sbin/sshd -D -f /tmp/st/n2/sshd_config -E "
                          "/tmp/st/n2/sshd.log");
  ASSERT_NE(exec, std::string::npos);
  EXPECT_EQ(exec + std::string("exec /usr/sbin/sshd -D -f /tmp/st/n2/sshd_config -E "
                               "/tmp/st/n2/sshd.log")
                       .size(),
            script.size());
}

TEST(LocalNodeSpecs, EachNodeIsRootOnPort22WithTheClusterKeyAndKnownHosts) {
  auto specs = local_node_specs({{"n1", "10.77.0.11"}, {"n2", "10.77.0.12"}}, "/s/id_ed25519",
                                "/s/known_hosts");
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[1].name, "n2");
  EXPECT_EQ(specs[1].host, "10.77.0.12");
  EXPECT_EQ(specs[1].port, 22);
  EXPECT_EQ(specs[1].user, "root");
  EXPECT_EQ(specs[1].key_path, "/s/id_ed25519");
  EXPECT_EQ(specs[1].known_hosts_path, "/s/known_hosts");
  EXPECT_EQ(specs[1].clock, "faketime");
}

TEST(KnownHosts, KeepsTypeAndKeyDropsComment) {
  EXPECT_EQ(known_hosts_line("10.77.0.11", "ssh-ed25519 AAAAC3Nza root@box\n"),
            "10.77.0.11 ssh-ed25519 AAAAC3Nza");
}

}  // namespace
}  // namespace faultline::harness::cluster
