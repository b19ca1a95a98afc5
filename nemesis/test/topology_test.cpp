// Partition topologies on 3 and 5 nodes: exact grudges for the deterministic ones,
// properties (symmetry, majorities, sizes) over many seeds for the random ones.
#include "nemesis/topology.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace faultline::nemesis {
namespace {

const std::vector<NodeName> kThree = {"n1", "n2", "n3"};
const std::vector<NodeName> kFive = {"n1", "n2", "n3", "n4", "n5"};

using Grudge = std::map<NodeName, std::set<NodeName>>;

bool symmetric(const Partition& p) {
  for (const auto& [node, peers] : p.grudge) {
    for (const auto& peer : peers) {
      auto it = p.grudge.find(peer);
      if (it == p.grudge.end() || it->second.count(node) == 0) return false;
    }
  }
  return true;
}

// The nodes `node` still hears from (itself included).
std::set<NodeName> sees(const Partition& p, const std::vector<NodeName>& nodes,
                        const NodeName& node) {
  std::set<NodeName> out;
  auto it = p.grudge.find(node);
  for (const auto& n : nodes) {
    if (it == p.grudge.end() || it->second.count(n) == 0) out.insert(n);
  }
  return out;
}

TEST(TopologyGroups, CompleteSeparationDropsEveryNodeOfEveryOtherGroup) {
  EXPECT_EQ(grudge_from_groups({{"n1"}, {"n2", "n3"}, {"n4"}}).grudge,
            (Grudge{{"n1", {"n2", "n3", "n4"}},
                    {"n2", {"n1", "n4"}},
                    {"n3", {"n1", "n4"}},
                    {"n4", {"n1", "n2", "n3"}}}));
  EXPECT_TRUE(grudge_from_groups({{"n1", "n2"}}).grudge.empty());
}

TEST(TopologyHalves, ThreeNodesPutTheSmallerGroupFirst) {
  EXPECT_EQ(halves(kThree).grudge, (Grudge{{"n1", {"n2", "n3"}}, {"n2", {"n1"}}, {"n3", {"n1"}}}));
}

TEST(TopologyHalves, FiveNodesSplitTwoAgainstThree) {
  EXPECT_EQ(halves(kFive).grudge, (Grudge{{"n1", {"n3", "n4", "n5"}},
                                          {"n2", {"n3", "n4", "n5"}},
                                          {"n3", {"n1", "n2"}},
                                          {"n4", {"n1", "n2"}},
                                          {"n5", {"n1", "n2"}}}));
}

TEST(TopologyHalves, FewerThanTwoNodesIsNoPartition) {
  EXPECT_TRUE(halves({}).grudge.empty());
  EXPECT_TRUE(halves({"n1"}).grudge.empty());
}

TEST(TopologyHalves, RandomHalvesAreSymmetricTwoAgainstThreeAndVary) {
  base::Random random(7);
  std::set<Grudge> seen;
  for (int i = 0; i < 100; ++i) {
    const Partition p = random_halves(kFive, random);
    EXPECT_TRUE(symmetric(p));
    ASSERT_EQ(p.grudge.size(), 5u);
    std::multiset<size_t> sizes;
    for (const auto& [node, peers] : p.grudge) sizes.insert(peers.size());
    EXPECT_EQ(sizes, (std::multiset<size_t>{2, 2, 2, 3, 3}));  // 3 nodes drop 2, 2 drop 3
    seen.insert(p.grudge);
  }
  EXPECT_EQ(seen.size(), 10u);  // all C(5,2) splits show up in 100 draws
}

TEST(TopologyIsolate, IsolatedNodeDropsEveryoneAndEveryoneDropsIt) {
  auto p = isolate(kFive, "n3");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->grudge, (Grudge{{"n1", {"n3"}},
                               {"n2", {"n3"}},
                               {"n3", {"n1", "n2", "n4", "n5"}},
                               {"n4", {"n3"}},
                               {"n5", {"n3"}}}));
  auto q = isolate(kThree, "n1");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->grudge, (Grudge{{"n1", {"n2", "n3"}}, {"n2", {"n1"}}, {"n3", {"n1"}}}));
}

TEST(TopologyIsolate, UnknownNodeIsAnErrorNamingIt) {
  auto p = isolate(kThree, "n9");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("n9"), std::string::npos) << p.error().message;
}

TEST(TopologyIsolate, RandomIsolationCutsOffExactlyOneNodeAndReachesEach) {
  base::Random random(3);
  std::set<NodeName> isolated;
  for (int i = 0; i < 60; ++i) {
    const Partition p = isolate_random(kFive, random);
    EXPECT_TRUE(symmetric(p));
    int loners = 0;
    for (const auto& [node, peers] : p.grudge) {
      if (peers.size() == 4) {
        ++loners;
        isolated.insert(node);
      } else {
        EXPECT_EQ(peers.size(), 1u);
      }
    }
    EXPECT_EQ(loners, 1);
  }
  EXPECT_EQ(isolated.size(), 5u);
}

TEST(TopologyMajoritiesRing, FiveNodesEachDropTheTwoOppositeIt) {
  // Ring n1..n5: each node sees its two neighbours (Jepsen's majorities-ring).
  EXPECT_EQ(majorities_ring_in_order(kFive).grudge, (Grudge{{"n1", {"n3", "n4"}},
                                                            {"n2", {"n4", "n5"}},
                                                            {"n3", {"n1", "n5"}},
                                                            {"n4", {"n1", "n2"}},
                                                            {"n5", {"n2", "n3"}}}));
}

TEST(TopologyMajoritiesRing, ThreeNodesEachDropTheirSuccessor) {
  // m = 2: the window {pred, self} belongs to self, so self drops its successor.
  EXPECT_EQ(majorities_ring_in_order(kThree).grudge,
            (Grudge{{"n1", {"n2"}}, {"n2", {"n3"}}, {"n3", {"n1"}}}));
}

TEST(TopologyMajoritiesRing, RandomRingsGiveEveryNodeADistinctMajority) {
  for (const auto& nodes : {kThree, kFive}) {
    base::Random random(11);
    for (int i = 0; i < 50; ++i) {
      const Partition p = majorities_ring(nodes, random);
      if (nodes.size() == 5) {
        EXPECT_TRUE(symmetric(p));
      }
      std::set<std::set<NodeName>> majorities;
      for (const auto& n : nodes) {
        const auto s = sees(p, nodes, n);
        EXPECT_EQ(s.size(), nodes.size() / 2 + 1) << n;  // exactly a majority
        EXPECT_EQ(s.count(n), 1u);
        majorities.insert(s);
      }
      EXPECT_EQ(majorities.size(), nodes.size());  // every node's majority differs
    }
  }
}

TEST(TopologyBridge, FiveNodesBridgeSeesBothHalves) {
  EXPECT_EQ(
      bridge(kFive).grudge,
      (Grudge{
          {"n1", {"n4", "n5"}}, {"n2", {"n4", "n5"}}, {"n4", {"n1", "n2"}}, {"n5", {"n1", "n2"}}}));
}

TEST(TopologyBridge, ThreeNodesTheMiddleNodeBridgesTheOthers) {
  EXPECT_EQ(bridge(kThree).grudge, (Grudge{{"n1", {"n3"}}, {"n3", {"n1"}}}));
}

TEST(TopologyMinorityThird, CutsOffOneOfThreeOrFiveCompletely) {
  for (const auto& nodes : {kThree, kFive}) {
    base::Random random(5);
    for (int i = 0; i < 30; ++i) {
      const Partition p = minority_third(nodes, random);
      EXPECT_TRUE(symmetric(p));
      int cut = 0;
      for (const auto& n : nodes) {
        const auto s = sees(p, nodes, n);
        if (s.size() == 1) {
          ++cut;
        } else {
          EXPECT_EQ(s.size(), nodes.size() - 1);
        }
      }
      EXPECT_EQ(cut, 1);
    }
  }
}

TEST(TopologyMinorityThird, SixNodesCutOffTwo) {
  const std::vector<NodeName> six = {"n1", "n2", "n3", "n4", "n5", "n6"};
  base::Random random(9);
  const Partition p = minority_third(six, random);
  int small = 0;
  for (const auto& n : six) small += sees(p, six, n).size() == 2 ? 1 : 0;
  EXPECT_EQ(small, 2);
}

TEST(TopologyExplicitGrudge, ParsesAnAsymmetricGrudge) {
  auto p = explicit_grudge("n1:n2,n3; n4 : n5", kFive);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->grudge, (Grudge{{"n1", {"n2", "n3"}}, {"n4", {"n5"}}}));
}

TEST(TopologyExplicitGrudge, ErrorsSayWhatWasWrong) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c : {Case{"", "empty"}, Case{"n1 n2", "no ':'"}, Case{":n2", "no node"},
                        Case{"n1:", "drops nobody"}, Case{"n1:n2,,n3", "empty peer"},
                        Case{"n9:n1", "unknown node 'n9'"}, Case{"n1:n7", "unknown node 'n7'"},
                        Case{"n1:n1", "cannot drop itself"}, Case{"n1:n2;n1:n3", "listed twice"}}) {
    auto p = explicit_grudge(c.text, kFive);
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_NE(p.error().message.find(c.says), std::string::npos)
        << c.text << " -> " << p.error().message;
  }
}

TEST(TopologyShuffle, SameSeedSameOrder) {
  base::Random a(42), b(42);
  EXPECT_EQ(shuffled(kFive, a), shuffled(kFive, b));
  auto s = shuffled(kFive, a);
  std::sort(s.begin(), s.end());
  EXPECT_EQ(s, kFive);
}

}  // namespace
}  // namespace faultline::nemesis
