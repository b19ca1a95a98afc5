// IptablesNet without a cluster: the rule text, the read-back parser, and the checks
// that refuse a fault before any command is sent (the pool's nodes are never contacted).
#include "nemesis/iptables.h"

#include <gtest/gtest.h>

namespace faultline::nemesis {
namespace {

TEST(IptablesRules, DescribeMatchesWhatIptablesPrints) {
  EXPECT_EQ(describe({"10.77.0.12", 1.0}), "-A FAULTLINE -s 10.77.0.12/32 -j DROP");
  EXPECT_EQ(describe({"10.77.0.12", 0.25}),
            "-A FAULTLINE -s 10.77.0.12/32 -m statistic --mode random --probability 0.25 -j DROP");
  EXPECT_EQ(describe({"10.77.0.12", 1.0, kDelayQueue}),
            "-A FAULTLINE -s 10.77.0.12/32 -j NFQUEUE --queue-num 7707 --queue-bypass");
}

TEST(IptablesRules, QueueRulesReadBackAsWhatMadeThem) {
  // What iptables -S printed for a delay rule on this machine.
  auto rules = parse_chain(
      "-N FAULTLINE\n"
      "-A FAULTLINE -s 10.77.0.12/32 -j DROP\n"
      "-A FAULTLINE -s 10.77.0.13/32 -j NFQUEUE --queue-num 7707 --queue-bypass\n");
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[1], (ChainRule{"10.77.0.13", 1.0, kDelayQueue}));
  EXPECT_FALSE(same_rules({{"10.77.0.13", 1.0, 0}}, *rules));
  EXPECT_TRUE(same_rules({{"10.77.0.13", 1.0, kDelayQueue}, {"10.77.0.12", 1.0, 0}}, *rules));
  for (const char* line : {"-A FAULTLINE -s 10.77.0.13/32 -j NFQUEUE --queue-bypass",
                           "-A FAULTLINE -s 10.77.0.13/32 -j NFQUEUE --queue-num 0",
                           "-A FAULTLINE -s 10.77.0.13/32 -j NFQUEUE --queue-num 7 -j DROP"}) {
    auto bad = parse_chain(std::string("-N FAULTLINE\n") + line + "\n");
    ASSERT_FALSE(bad.ok()) << line;
    EXPECT_NE(bad.error().message.find(line), std::string::npos) << bad.error().message;
  }
}

TEST(IptablesRules, ParsesChainOutputWithLongProbabilities) {
  auto rules = parse_chain(
      "-N FAULTLINE\n"
      "-A FAULTLINE -s 10.77.0.12/32 -j DROP\n"
      "-A FAULTLINE -s 10.77.0.13/32 -m statistic --mode random --probability 0.50000000000 -j "
      "DROP\n");
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[0], (ChainRule{"10.77.0.12", 1.0}));
  EXPECT_EQ((*rules)[1].source, "10.77.0.13");
  EXPECT_DOUBLE_EQ((*rules)[1].probability, 0.5);
  auto empty = parse_chain("-N FAULTLINE\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(IptablesRules, ForeignRuleInOurChainIsAnErrorQuotingIt) {
  for (const char* line :
       {"-A FAULTLINE -s 10.0.0.0/8 -j DROP", "-A FAULTLINE -s 10.0.0.1/32 -j ACCEPT",
        "-A FAULTLINE -p tcp -j DROP", "-A INPUT -j DROP"}) {
    auto rules = parse_chain(std::string("-N FAULTLINE\n") + line + "\n");
    ASSERT_FALSE(rules.ok()) << line;
    EXPECT_NE(rules.error().message.find(line), std::string::npos) << rules.error().message;
  }
}

TEST(IptablesRules, RestoreTextDeclaresOnlyOurChainWithItsRules) {
  EXPECT_EQ(chain_restore_text({{"10.77.0.12", 1.0}, {"10.77.0.13", 0.5}}),
            "*filter\n"
            ":FAULTLINE - [0:0]\n"
            "-A FAULTLINE -s 10.77.0.12/32 -j DROP\n"
            "-A FAULTLINE -s 10.77.0.13/32 -m statistic --mode random --probability 0.5 -j DROP\n"
            "COMMIT\n");
  EXPECT_EQ(chain_restore_text({}), "*filter\n:FAULTLINE - [0:0]\nCOMMIT\n");
}

TEST(IptablesRules, SameRulesIgnoresOrderAndPrintingPrecision) {
  EXPECT_TRUE(same_rules({{"a", 1.0}, {"b", 0.3}}, {{"b", 0.30000000009}, {"a", 1.0}}));
  EXPECT_FALSE(same_rules({{"a", 1.0}}, {{"a", 0.5}}));
  EXPECT_FALSE(same_rules({{"a", 1.0}}, {{"a", 1.0}, {"a", 1.0}}));
  EXPECT_FALSE(same_rules({{"a", 1.0}}, {{"b", 1.0}}));
}

harness::control::NodeSpec node(const std::string& name, const std::string& host) {
  harness::control::NodeSpec n;
  n.name = name;
  n.host = host;
  return n;
}

class IptablesRefuses : public ::testing::Test {
 protected:
  // 192.0.2.0/24 is TEST-NET-1: nothing here may ever be contacted.
  harness::control::Pool pool_{
      {node("n1", "192.0.2.1"), node("n2", "192.0.2.2"), node("n3", "dns.example")},
      harness::control::SshOptions{}};
  IptablesNet net_{pool_, addresses_of(pool_.nodes()), 500};
};

TEST_F(IptablesRefuses, PartitionWithAnUnknownNodeNamesIt) {
  auto s = net_.apply(Partition{{{"n1", {"n7"}}}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("node n7"), std::string::npos) << s.error().message;
}

TEST_F(IptablesRefuses, NodeWithoutAnIpv4AddressNamesIt) {
  auto s = net_.apply(Partition{{{"n1", {"n3"}}}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("node n3"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("IPv4"), std::string::npos) << s.error().message;
}

TEST_F(IptablesRefuses, LossOutsideZeroToOneOrOntoItself) {
  for (double p : {0.0, -0.5, 1.5}) {
    auto s = net_.apply(Loss{{{"n1", "n2"}}, p});
    ASSERT_FALSE(s.ok()) << p;
    EXPECT_NE(s.error().message.find("probability"), std::string::npos) << s.error().message;
  }
  auto self = net_.apply(Loss{{{"n2", "n2"}}, 0.5});
  ASSERT_FALSE(self.ok());
  EXPECT_NE(self.error().message.find("node n2"), std::string::npos);
}

TEST_F(IptablesRefuses, DelayNamesAnUnknownNodeOrAPeerWithoutAnIpv4Address) {
  auto unknown = net_.apply(Delay{{"n9"}, 40, 10, 1});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("node n9"), std::string::npos) << unknown.error().message;
  // n1 delays packets from every other node, n3 among them.
  auto peer = net_.apply(Delay{{"n1"}, 40, 10, 1});
  ASSERT_FALSE(peer.ok());
  EXPECT_NE(peer.error().message.find("node n3"), std::string::npos) << peer.error().message;
}

TEST_F(IptablesRefuses, NothingAppliedDescribesAsNoRules) {
  EXPECT_TRUE(net_.applied().empty());
  EXPECT_EQ(net_.describe_applied(), "no rules");
}

}  // namespace
}  // namespace faultline::nemesis
