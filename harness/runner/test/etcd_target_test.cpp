// The etcd target kind: registered with its read modes, and honest about clock faults —
// libfaketime cannot reach a Go binary, so --nemesis clock is refused on faketime nodes.
#include "harness/runner/etcd_target.h"

#include <gtest/gtest.h>

namespace faultline::harness::runner {
namespace {

std::vector<control::NodeSpec> nodes_with_clock(const std::string& clock) {
  std::vector<control::NodeSpec> nodes(3);
  for (size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].name = "n" + std::to_string(i + 1);
    nodes[i].clock = clock;
  }
  return nodes;
}

TEST(EtcdTarget, IsATargetWithLinearizableReadsByDefault) {
  const TargetKind* kind = find_target_kind("etcd");
  ASSERT_NE(kind, nullptr);
  EXPECT_EQ(kind->read_modes, (std::vector<std::string>{"linearizable", "serializable"}));
  EXPECT_TRUE(kind->bugs.empty());
  EXPECT_TRUE(kind->binary.empty());  // packaged: nothing uploaded
}

TEST(EtcdTarget, ClockFaultsOnFaketimeNodesAreRefusedNamingWhy) {
  const std::string why = etcd_clock_refusal("partition,clock", nodes_with_clock("faketime"));
  EXPECT_NE(why.find("--nemesis clock"), std::string::npos) << why;
  EXPECT_NE(why.find("vDSO"), std::string::npos) << why;
  EXPECT_NE(why.find("n1"), std::string::npos) << why;
}

TEST(EtcdTarget, OtherFaultsAndSettimeNodesAreFine) {
  EXPECT_EQ(etcd_clock_refusal("partition,kill,pause", nodes_with_clock("faketime")), "");
  EXPECT_EQ(etcd_clock_refusal("", nodes_with_clock("faketime")), "");
  EXPECT_EQ(etcd_clock_refusal("clock", nodes_with_clock("settime")), "");
}

}  // namespace
}  // namespace faultline::harness::runner
