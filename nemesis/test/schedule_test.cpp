#include "nemesis/schedule.h"

#include <gtest/gtest.h>

#include <map>

namespace faultline::nemesis {
namespace {

ScheduleOptions options(std::vector<FaultKind> kinds, uint64_t seed = 7) {
  ScheduleOptions o;
  o.kinds = std::move(kinds);
  o.interval_ms = 10'000;
  o.duration_ms = 120'000;
  o.seed = seed;
  return o;
}

TEST(NemesisSchedule, EachKindAlternatesStartAndStopWithGapsAroundTheInterval) {
  auto s = make_schedule(options({FaultKind::Partition, FaultKind::Kill, FaultKind::Clock}));
  std::map<FaultKind, std::vector<ScheduledFault>> by_kind;
  for (const auto& e : s) by_kind[e.kind].push_back(e);
  ASSERT_EQ(by_kind.size(), 3u);
  for (const auto& [kind, events] : by_kind) {
    ASSERT_GE(events.size(), 6u) << to_string(kind);  // 120 s / at most 15 s per gap
    int64_t last = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].phase, i % 2 == 0 ? Phase::Start : Phase::Stop);
      EXPECT_GE(events[i].at_ms - last, 5'000);
      EXPECT_LE(events[i].at_ms - last, 15'000);
      EXPECT_LT(events[i].at_ms, 120'000);
      last = events[i].at_ms;
    }
  }
  EXPECT_TRUE(std::is_sorted(s.begin(), s.end(), [](const auto& a, const auto& b) {
    return a.at_ms < b.at_ms;
  }));
}

TEST(NemesisSchedule, SameSeedSameScheduleOtherSeedAnother) {
  const auto kinds = std::vector<FaultKind>{FaultKind::Partition, FaultKind::Pause};
  EXPECT_EQ(make_schedule(options(kinds, 1)), make_schedule(options(kinds, 1)));
  EXPECT_NE(make_schedule(options(kinds, 1)), make_schedule(options(kinds, 2)));
}

TEST(NemesisSchedule, AddingAKindDoesNotMoveTheOthers) {
  auto only = make_schedule(options({FaultKind::Partition}));
  auto both = make_schedule(options({FaultKind::Partition, FaultKind::Loss}));
  std::vector<ScheduledFault> partitions;
  for (const auto& e : both) {
    if (e.kind == FaultKind::Partition) partitions.push_back(e);
  }
  EXPECT_EQ(partitions, only);
}

TEST(NemesisSchedule, ParsesKindListsAndNamesAnUnknownWord) {
  auto k = parse_fault_kinds("partition,kill,clock");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, (std::vector<FaultKind>{FaultKind::Partition, FaultKind::Kill, FaultKind::Clock}));
  auto bad = parse_fault_kinds("partition,flood");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "unknown fault \"flood\" (expected partition, loss, kill, pause, clock, crash-loop, delay)");
  auto loop = parse_fault_kinds("crash-loop,partition,delay");
  ASSERT_TRUE(loop.ok());
  EXPECT_EQ(*loop, (std::vector<FaultKind>{FaultKind::CrashLoop, FaultKind::Partition, FaultKind::Delay}));
  EXPECT_EQ(to_string(FaultKind::CrashLoop), "crash-loop");
  EXPECT_EQ(to_string(FaultKind::Delay), "delay");
}

TEST(NemesisTargets, SetsHaveTheirSizesOnFiveNodes) {
  const std::vector<NodeName> nodes = {"n1", "n2", "n3", "n4", "n5"};
  base::Random random(3);
  EXPECT_EQ(pick_targets(nodes, TargetSet::One, random).size(), 1u);
  EXPECT_EQ(pick_targets(nodes, TargetSet::Minority, random).size(), 2u);
  EXPECT_EQ(pick_targets(nodes, TargetSet::Majority, random).size(), 3u);
  EXPECT_EQ(pick_targets(nodes, TargetSet::All, random), nodes);
  const std::vector<NodeName> three = {"n1", "n2", "n3"};
  EXPECT_EQ(pick_targets(three, TargetSet::Minority, random).size(), 1u);
  EXPECT_EQ(pick_targets(three, TargetSet::Majority, random).size(), 2u);
}

TEST(NemesisTargets, OneCoversEveryNodeOverManyDraws) {
  const std::vector<NodeName> nodes = {"n1", "n2", "n3", "n4", "n5"};
  base::Random random(11);
  std::map<NodeName, int> hits;
  for (int i = 0; i < 200; ++i) hits[pick_targets(nodes, TargetSet::One, random).at(0)]++;
  EXPECT_EQ(hits.size(), 5u);
  EXPECT_FALSE(parse_target_set("half").ok());
}

}  // namespace
}  // namespace faultline::nemesis
