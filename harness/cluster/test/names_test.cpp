#include "harness/cluster/names.h"

#include <gtest/gtest.h>

namespace faultline::harness::cluster {
namespace {

TEST(ParseSubnet, AcceptsSlash24) {
  auto s = parse_subnet("10.77.0.0/24");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->cidr(), "10.77.0.0/24");
  EXPECT_EQ(s->host(11), "10.77.0.11");
}

TEST(ParseSubnet, RejectsOtherPrefixesHostBitsAndJunk) {
  for (const char* bad : {"10.77.0.0/16", "10.77.0.0", "10.77.0.5/24", "10.77.0/24",
                          "10.77.0.0.0/24", "10.256.0.0/24", "10.077.0.0/24", "fd00::/64",
                          "", "/24", "a.b.c.d/24", "10.77.0.0/24x"}) {
    auto s = parse_subnet(bad);
    EXPECT_FALSE(s.ok()) << bad;
  }
  auto s = parse_subnet("10.77.0.0/16");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("10.77.0.0/16"), std::string::npos);
}

TEST(ClusterId, IsFourHexCharsAndDiffersBetweenStateDirs) {
  auto a = cluster_id("/var/lib/faultline/cluster");
  auto b = cluster_id("/tmp/fl-e2e-abc123");
  EXPECT_EQ(a.size(), 4u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(a, cluster_id("/var/lib/faultline/cluster"));
  EXPECT_NE(a, b);
}

TEST(Names, InterfaceNamesFitFifteenCharacters) {
  auto id = cluster_id("/var/lib/faultline/cluster");
  EXPECT_EQ(bridge_name(id), "flb" + id);
  EXPECT_EQ(netns_name(id, 3), "fl" + id + "-n3");
  EXPECT_EQ(veth_name(id, 3), "flv" + id + "n3");
  EXPECT_LE(veth_name(id, kMaxNodes).size(), 15u);
  EXPECT_LE(bridge_name(id).size(), 15u);
}

TEST(Names, NodeAddressesStartAtEleven) {
  auto s = parse_subnet("192.168.5.0/24");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(bridge_address(*s), "192.168.5.1");
  EXPECT_EQ(node_address(*s, 1), "192.168.5.11");
  EXPECT_EQ(node_address(*s, 5), "192.168.5.15");
}

TEST(Names, ParsesNodeNames) {
  EXPECT_EQ(parse_node_name("n1"), 1);
  EXPECT_EQ(parse_node_name("n42"), 42);
  EXPECT_EQ(parse_node_name("n0"), 0);
  EXPECT_EQ(parse_node_name("n01"), 0);
  EXPECT_EQ(parse_node_name("x1"), 0);
  EXPECT_EQ(parse_node_name("n"), 0);
  EXPECT_EQ(parse_node_name("n1a"), 0);
  EXPECT_EQ(parse_node_name("n100"), 0);
}

}  // namespace
}  // namespace faultline::harness::cluster
