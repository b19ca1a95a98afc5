// The nemesis driver without nodes or sleeps: a FakeClock moved by the test and a fake
// backend that records each call. Shows the ops written for a schedule (requested,
// then applied, per fault), the leader fallback, errors in applied ops, stop and heal.

#include "nemesis/driver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace faultline::nemesis {
namespace {

using history::Value;

// Records every call as a line ("kill n2") and answers with what it was asked.
class FakeBackend final : public FaultBackend {
 public:
  std::vector<std::string> calls;
  std::string fail_next;  // set: the next call fails with this error

  Applied answer(const std::string& call, Value value = Value::object()) {
    calls.push_back(call);
    Applied a;
    a.value = std::move(value);
    a.error = std::exchange(fail_next, "");
    return a;
  }
  static std::string join(const std::vector<NodeName>& nodes) {
    std::string s;
    for (const auto& n : nodes) s += " " + n;
    return s;
  }
  Applied start_partition(const Partition& p) override {
    return answer("partition", {{"rules", Value{{"n1", {"-A FAULTLINE -s 10.0.0.2/32 -j DROP"}}}}, {"groups", p.grudge.size()}});
  }
  Applied stop_partition() override { return answer("stop-partition"); }
  Applied start_loss(const Loss& l) override { return answer("loss " + std::to_string(l.pairs.size())); }
  Applied stop_loss() override { return answer("stop-loss"); }
  std::vector<Delay> delays;
  Applied start_delay(const Delay& d) override {
    delays.push_back(d);
    return answer("delay" + join(d.nodes));
  }
  Applied stop_delay() override { return answer("stop-delay"); }
  Applied kill(const std::vector<NodeName>& n) override {
    return answer("kill" + join(n), {{"pids", Value{{n.at(0), 4242}}}});
  }
  Applied restart(const std::vector<NodeName>& n) override { return answer("restart" + join(n)); }
  Applied pause(const std::vector<NodeName>& n) override { return answer("pause" + join(n)); }
  Applied resume(const std::vector<NodeName>& n) override { return answer("resume" + join(n)); }
  std::vector<CrashLoop> loops;
  Applied crash_loop(const CrashLoop& l) override {
    loops.push_back(l);
    std::vector<NodeName> n;
    for (const auto& [node, gaps] : l.gaps_ms) n.push_back(node);
    return answer("crash-loop" + join(n));
  }
  std::vector<ClockSkew> skews;
  Applied skew_clocks(const ClockSkew& s) override {
    skews.push_back(s);
    Value measured = {{"n1", 0}, {"n2", 0}, {"n3", 0}};
    for (const auto& [node, d] : s.delta_ms) measured[node] = d;
    return answer("clock", {{"measured_ms", measured}});
  }
  Applied reset_clocks(const std::vector<NodeName>& n) override {
    return answer("reset-clocks" + join(n));
  }
  Applied heal(int64_t timeout_ms) override {
    return answer("heal " + std::to_string(timeout_ms));
  }
};

DriverOptions options(std::vector<FaultKind> kinds) {
  DriverOptions o;
  o.schedule.kinds = std::move(kinds);
  o.schedule.interval_ms = 1000;
  o.schedule.duration_ms = 5000;
  o.schedule.seed = 42;
  o.topologies = {"isolate-leader"};
  o.heal_timeout_ms = 7000;
  return o;
}

class NemesisDriver : public ::testing::Test {
 protected:
  // Steps the driver at every scheduled time until the schedule is done.
  void run_to_end(Driver& d) {
    while (auto due = d.next_due_ns()) {
      clock_.advance_ns(*due - clock_.now_ns());
      d.step();
    }
  }
  std::vector<std::string> fs() const {
    std::vector<std::string> out;
    for (const auto& op : ops_) out.push_back(op.f);
    return out;
  }

  base::FakeClock clock_{1'000'000'000};
  FakeBackend backend_;
  std::vector<history::Op> ops_;
  OpSink sink_ = [this](history::Op op) { ops_.push_back(std::move(op)); };
  std::vector<NodeName> nodes_ = {"n1", "n2", "n3"};
};

TEST_F(NemesisDriver, WritesRequestedThenAppliedOps) {
  Driver d(backend_, nodes_, options({FaultKind::Partition, FaultKind::Kill}), clock_, sink_,
           [] { return std::optional<NodeName>("n2"); });
  ASSERT_FALSE(d.schedule().empty());
  EXPECT_EQ(d.step(), 0);  // nothing is due at time 0
  EXPECT_TRUE(ops_.empty());
  run_to_end(d);

  // Two ops per scheduled fault, in schedule order, each at the time it was due.
  ASSERT_EQ(ops_.size(), 2 * d.schedule().size());
  for (size_t i = 0; i < d.schedule().size(); ++i) {
    const ScheduledFault& e = d.schedule()[i];
    const std::string f = std::string(e.phase == Phase::Start ? "start-" : "stop-") +
                          std::string(to_string(e.kind));
    for (const auto* op : {&ops_[2 * i], &ops_[2 * i + 1]}) {
      EXPECT_EQ(op->f, f);
      EXPECT_EQ(op->type, history::OpType::Info);
      EXPECT_EQ(op->process, history::Process::named("nemesis"));
      EXPECT_EQ(op->time, e.at_ms * 1'000'000);
    }
    EXPECT_TRUE(ops_[2 * i].value.contains("requested")) << history::to_text(ops_[2 * i].value);
    EXPECT_TRUE(ops_[2 * i + 1].value.contains("applied"));
  }

  // The first partition isolates the leader (n2) and says what it applied.
  const std::vector<std::string> names = fs();
  const size_t first = static_cast<size_t>(
      std::find(names.begin(), names.end(), "start-partition") - names.begin());
  ASSERT_LT(first + 1, ops_.size());
  const Value& asked = ops_[first].value["requested"];
  EXPECT_EQ(asked["topology"], "isolate-leader");
  EXPECT_EQ(asked["grudge"], (Value{{"n1", {"n2"}}, {"n2", {"n1", "n3"}}, {"n3", {"n2"}}}));
  const Value& applied = ops_[first + 1].value["applied"];
  EXPECT_EQ(applied["grudge"], asked["grudge"]);
  EXPECT_EQ(applied["rules"]["n1"][0], "-A FAULTLINE -s 10.0.0.2/32 -j DROP");
  EXPECT_TRUE(ops_[first + 1].error.is_null());

  // Each kill is undone by restarting exactly the node it killed.
  std::vector<std::string> kills;
  for (const auto& c : backend_.calls) {
    if (c.rfind("kill", 0) == 0 || c.rfind("restart", 0) == 0) kills.push_back(c);
  }
  ASSERT_GE(kills.size(), 2u);
  for (size_t i = 0; i + 1 < kills.size(); i += 2) {
    EXPECT_EQ(kills[i + 1], "restart" + kills[i].substr(4));
  }
}

TEST_F(NemesisDriver, ExactSequenceOfASmallSchedule) {
  DriverOptions o = options({FaultKind::Pause});
  // End the run right at the third event: the schedule is one start and one stop.
  o.schedule.duration_ms = make_schedule(o.schedule).at(2).at_ms;
  o.targets = TargetSet::Leader;
  Driver d(backend_, nodes_, o, clock_, sink_, [] { return std::optional<NodeName>("n3"); });
  ASSERT_EQ(d.schedule().size(), 2u);
  run_to_end(d);
  EXPECT_EQ(fs(), (std::vector<std::string>{"start-pause", "start-pause", "stop-pause",
                                            "stop-pause"}));
  EXPECT_EQ(backend_.calls, (std::vector<std::string>{"pause n3", "resume n3"}));
  EXPECT_EQ(ops_[0].value, (Value{{"requested", {{"nodes", {"n3"}}}}}));
  EXPECT_EQ(ops_[2].value, (Value{{"requested", {{"nodes", {"n3"}}}}}));
  ASSERT_TRUE(d.heal().ok());
  EXPECT_EQ(fs().back(), "heal");
  EXPECT_EQ(backend_.calls.back(), "heal 7000");
}

TEST_F(NemesisDriver, NoLeaderKnownPicksARandomNodeAndSaysSo) {
  DriverOptions o = options({FaultKind::Kill});
  o.targets = TargetSet::Leader;
  Driver d(backend_, nodes_, o, clock_, sink_, [] { return std::optional<NodeName>(); });
  run_to_end(d);
  ASSERT_GE(ops_.size(), 2u);
  const Value& asked = ops_[0].value["requested"];
  ASSERT_EQ(asked["nodes"].size(), 1u);
  const std::string picked = asked["nodes"][0];
  EXPECT_EQ(asked["note"], "no leader known; picked " + picked + " at random");
  EXPECT_EQ(backend_.calls.at(0), "kill " + picked);
  EXPECT_EQ(ops_[1].value["applied"]["pids"][picked], 4242);
}

TEST_F(NemesisDriver, BackendErrorIsRecordedInTheAppliedOp) {
  Driver d(backend_, nodes_, options({FaultKind::Pause}), clock_, sink_);
  backend_.fail_next = "node n2: ssh: connection refused";
  clock_.advance_ns(d.next_due_ns().value() - clock_.now_ns());
  EXPECT_EQ(d.step(), 1);
  ASSERT_EQ(ops_.size(), 2u);
  EXPECT_TRUE(ops_[0].error.is_null());
  EXPECT_EQ(ops_[1].error, "node n2: ssh: connection refused");
}

TEST_F(NemesisDriver, ClockOpsCarryTheOffsetsMeasuredOnEveryNode) {
  DriverOptions o = options({FaultKind::Clock});
  o.targets = TargetSet::Majority;
  o.clock_freeze_share = 0;  // a freeze has no delta
  Driver d(backend_, nodes_, o, clock_, sink_);
  clock_.advance_ns(d.next_due_ns().value() - clock_.now_ns());
  d.step();
  ASSERT_EQ(ops_.size(), 2u);
  const Value& deltas = ops_[0].value["requested"]["delta_ms"];
  ASSERT_EQ(deltas.size(), 2u);
  for (const auto& [node, delta] : deltas.items()) {
    EXPECT_GE(std::abs(delta.get<int64_t>()), 6000) << node;  // ±[max/10, max]
    EXPECT_LE(std::abs(delta.get<int64_t>()), 60000) << node;
  }
  EXPECT_EQ(ops_[1].value["applied"]["measured_ms"].size(), 3u);
}

TEST_F(NemesisDriver, StopEndsTheScheduleAndHealUndoesEverything) {
  Driver d(backend_, nodes_, options({FaultKind::Partition, FaultKind::Loss}), clock_, sink_);
  clock_.advance_ns(d.next_due_ns().value() - clock_.now_ns());
  d.step();
  const size_t before = ops_.size();
  d.stop();
  EXPECT_FALSE(d.next_due_ns().has_value());
  clock_.advance_ns(10'000'000'000);
  EXPECT_EQ(d.step(), 0);
  EXPECT_EQ(ops_.size(), before);
  backend_.fail_next = "node n3: timed out";
  auto s = d.heal();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "node n3: timed out");
  ASSERT_EQ(ops_.size(), before + 2);
  EXPECT_EQ(ops_[before].f, "heal");
  EXPECT_EQ(ops_[before].value, (Value{{"requested", {{"nodes", {"n1", "n2", "n3"}}}}}));
  EXPECT_EQ(ops_[before + 1].error, "node n3: timed out");
}

TEST_F(NemesisDriver, ClockFaultsBothBumpAndStrobeAndSayWhichInTheRequest) {
  DriverOptions o = options({FaultKind::Clock});
  o.schedule.duration_ms = 200'000;  // many clock faults
  o.clock_strobe_share = 0.5;
  o.clock_freeze_share = 0;
  Driver d(backend_, nodes_, o, clock_, sink_);
  run_to_end(d);
  int strobes = 0, bumps = 0;
  for (const auto& skew : backend_.skews) {
    if (skew.strobe_period_ms == 0) {
      ++bumps;
      continue;
    }
    ++strobes;
    EXPECT_GE(skew.strobe_period_ms, 100);
    EXPECT_LE(skew.strobe_period_ms, 1000);
    EXPECT_EQ(skew.strobe_duration_ms, 1000);  // min(interval, 10 s)
  }
  EXPECT_GT(strobes, 0);
  EXPECT_GT(bumps, 0);
  int requested_strobes = 0;
  for (const auto& op : ops_)
    if (op.f == "start-clock" && op.value.contains("requested") &&
        op.value["requested"].contains("strobe_period_ms"))
      ++requested_strobes;
  EXPECT_EQ(requested_strobes, strobes);
}

TEST(NemesisTopologies, ParsesKnownNamesAndNamesTheUnknownOne) {
  auto t = parse_topologies("halves,isolate-leader,halves");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, (std::vector<std::string>{"halves", "isolate-leader"}));
  auto bad = parse_topologies("halves,ring");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("\"ring\""), std::string::npos);
  EXPECT_EQ(parse_target_set("leader").value(), TargetSet::Leader);
}

TEST_F(NemesisDriver, ClockFreezesHoldTheClockWithoutAStepUntilTheStopResetsIt) {
  DriverOptions o = options({FaultKind::Clock});
  o.schedule.duration_ms = 200'000;  // many clock faults
  o.clock_freeze_share = 0.5;
  o.clock_strobe_share = 0;
  Driver d(backend_, nodes_, o, clock_, sink_);
  run_to_end(d);
  int freezes = 0, bumps = 0;
  for (const auto& skew : backend_.skews) {
    EXPECT_EQ(skew.strobe_period_ms, 0);
    if (!skew.freeze) {
      ++bumps;
      continue;
    }
    ++freezes;
    for (const auto& [node, delta] : skew.delta_ms) EXPECT_EQ(delta, 0) << node;
  }
  EXPECT_GT(freezes, 0);
  EXPECT_GT(bumps, 0);
  // The history says which starts were freezes, and every start has its stop (a reset).
  int requested_freezes = 0, starts = 0, stops = 0;
  for (const auto& op : ops_) {
    if (!op.value.contains("requested")) continue;
    if (op.f == "start-clock") ++starts;
    if (op.f == "stop-clock") ++stops;
    if (op.f == "start-clock" && op.value["requested"].contains("freeze")) ++requested_freezes;
  }
  EXPECT_EQ(requested_freezes, freezes);
  EXPECT_GE(stops, starts - 1);  // the last start may be left to the final heal
}

TEST(NemesisClockFaults, AListGivesEachNamedFlavourAnEqualShare) {
  DriverOptions o;
  ASSERT_TRUE(set_clock_faults(o, "freeze").ok());
  EXPECT_EQ(o.clock_freeze_share, 1.0);
  ASSERT_TRUE(set_clock_faults(o, "bump,strobe").ok());
  EXPECT_EQ(o.clock_freeze_share, 0.0);
  EXPECT_EQ(o.clock_strobe_share, 0.5);
  ASSERT_TRUE(set_clock_faults(o, "strobe,freeze").ok());
  EXPECT_EQ(o.clock_freeze_share, 0.5);
  EXPECT_EQ(o.clock_strobe_share, 1.0);
  ASSERT_TRUE(set_clock_faults(o, "bump,strobe,freeze").ok());
  EXPECT_DOUBLE_EQ(o.clock_freeze_share, 1.0 / 3);
  EXPECT_EQ(o.clock_strobe_share, 0.5);
  const DriverOptions before = o;
  auto bad = set_clock_faults(o, "bump,melt");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "unknown clock fault \"melt\" (expected bump, strobe, freeze)");
  EXPECT_EQ(o.clock_freeze_share, before.clock_freeze_share);
  EXPECT_FALSE(set_clock_faults(o, "").ok());
}

TEST_F(NemesisDriver, NoFreezeShareKeepsTheEarlierClockSchedule) {
  // A share of 0 draws nothing, so a seed's clock faults are what they were before
  // freezes existed.
  DriverOptions o = options({FaultKind::Clock});
  o.schedule.duration_ms = 100'000;
  o.clock_freeze_share = 0;
  Driver d(backend_, nodes_, o, clock_, sink_);
  run_to_end(d);
  for (const auto& skew : backend_.skews) EXPECT_FALSE(skew.freeze);
}

TEST_F(NemesisDriver, CrashLoopsGiveEachTargetSeededGapsForTheLoopAndTheStopRestarts) {
  DriverOptions o = options({FaultKind::CrashLoop});
  o.targets = TargetSet::Majority;
  o.crash_loop_min_gap_ms = 50;
  o.crash_loop_max_gap_ms = 200;
  Driver d(backend_, nodes_, o, clock_, sink_);
  run_to_end(d);
  ASSERT_FALSE(backend_.loops.empty());
  for (const auto& loop : backend_.loops) {
    ASSERT_EQ(loop.gaps_ms.size(), 2u);  // a majority of 3
    for (const auto& [node, gaps] : loop.gaps_ms) {
      int64_t total = 0;
      for (int64_t g : gaps) {
        EXPECT_GE(g, 50) << node;
        EXPECT_LE(g, 200) << node;
        total += g;
      }
      // Gaps cover min(interval, 10 s) and no more than one gap beyond it.
      EXPECT_GE(total, 1000) << node;
      EXPECT_LT(total, 1200) << node;
    }
  }
  int starts = 0, stops = 0;
  for (const auto& op : ops_) {
    if (!op.value.contains("requested")) continue;
    if (op.f == "start-crash-loop") ++starts;
    if (op.f == "stop-crash-loop") ++stops;
  }
  EXPECT_EQ(starts, static_cast<int>(backend_.loops.size()));
  EXPECT_GE(stops, starts - 1);
  int restarts = 0;
  for (const auto& c : backend_.calls) restarts += c.rfind("restart", 0) == 0;
  EXPECT_EQ(restarts, stops);
}

TEST_F(NemesisDriver, DelaysHitTheTargetsWithTheOptionsNumbersAndASeedOfTheirOwn) {
  DriverOptions o = options({FaultKind::Delay});
  o.targets = TargetSet::All;
  o.delay_ms = 25;
  o.delay_jitter_ms = 5;
  o.schedule.duration_ms = 10'000;
  Driver d(backend_, nodes_, o, clock_, sink_);
  run_to_end(d);
  ASSERT_GE(backend_.delays.size(), 2u);
  for (const auto& delay : backend_.delays) {
    EXPECT_EQ(delay.nodes, nodes_);
    EXPECT_EQ(delay.delay_ms, 25);
    EXPECT_EQ(delay.jitter_ms, 5);
  }
  EXPECT_NE(backend_.delays[0].seed, backend_.delays[1].seed);
  int stops = 0;
  for (const auto& c : backend_.calls) stops += c == "stop-delay";
  EXPECT_GE(stops, static_cast<int>(backend_.delays.size()) - 1);
  bool recorded = false;
  for (const auto& op : ops_) {
    if (op.f == "start-delay" && op.value.contains("requested"))
      recorded = op.value["requested"]["delay_ms"] == 25 && op.value["requested"]["jitter_ms"] == 5;
  }
  EXPECT_TRUE(recorded);
}

}  // namespace
}  // namespace faultline::nemesis
