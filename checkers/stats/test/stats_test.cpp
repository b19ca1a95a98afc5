// Stats of a history: counts per f and outcome, exact nearest-rank percentiles,
// throughput, nemesis windows (the rules are stated in checkers/stats/stats.h).

#include "checkers/stats/stats.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace faultline::checkers::stats {
namespace {

using history::Op;
using history::OpType;
using history::Process;

constexpr int64_t kMs = 1'000'000;

// Appends ops with explicit times (ns).
struct Ops {
  std::vector<Op> ops;
  Ops& add(Process p, OpType type, std::string f, int64_t time) {
    Op op;
    op.process = std::move(p);
    op.type = type;
    op.f = std::move(f);
    op.time = time;
    op.line = static_cast<int64_t>(ops.size()) + 1;
    ops.push_back(std::move(op));
    return *this;
  }
  Ops& invoke(int64_t p, std::string f, int64_t time) {
    return add(Process::client(p), OpType::Invoke, std::move(f), time);
  }
  Ops& done(int64_t p, OpType type, std::string f, int64_t time) {
    return add(Process::client(p), type, std::move(f), time);
  }
  Ops& nemesis(std::string f, int64_t time) {
    return add(Process::named("nemesis"), OpType::Info, std::move(f), time);
  }
};

TEST(Stats, PercentilesOfAKnownHistoryAreExactNearestRank) {
  // 100 sequential ok reads with latencies 1..100 ms, then 2 failed writes (10, 30 ms).
  Ops h;
  int64_t t = 0;
  for (int i = 1; i <= 100; ++i) {
    h.invoke(1, "read", t).done(1, OpType::Ok, "read", t + i * kMs);
    t += 200 * kMs;
  }
  h.invoke(2, "write", t).done(2, OpType::Fail, "write", t + 10 * kMs);
  h.invoke(2, "write", t + 20 * kMs).done(2, OpType::Fail, "write", t + 50 * kMs);
  const StatsResult r = compute_stats(h.ops);
  EXPECT_EQ(r.verdict, Verdict::Valid);
  EXPECT_EQ(r.operations, 102);
  const FStats& read = r.by_f.at("read");
  EXPECT_EQ(read.ok.count, 100);
  EXPECT_DOUBLE_EQ(read.ok.p50_ms, 50);
  EXPECT_DOUBLE_EQ(read.ok.p95_ms, 95);
  EXPECT_DOUBLE_EQ(read.ok.p99_ms, 99);
  EXPECT_DOUBLE_EQ(read.ok.max_ms, 100);
  EXPECT_DOUBLE_EQ(read.ok.mean_ms, 50.5);
  EXPECT_EQ(read.fail.count, 0);
  const FStats& write = r.by_f.at("write");
  EXPECT_EQ(write.ok.count, 0);
  EXPECT_EQ(write.fail.count, 2);
  EXPECT_DOUBLE_EQ(write.fail.p50_ms, 10);
  EXPECT_DOUBLE_EQ(write.fail.p99_ms, 30);
  EXPECT_DOUBLE_EQ(write.fail.mean_ms, 20);
  EXPECT_EQ(r.all_ok.count, 100);
  // The run spans 0 .. t + 50 ms = 20.05 s.
  EXPECT_DOUBLE_EQ(r.duration_s, 20.05);
  EXPECT_DOUBLE_EQ(read.ok_per_s, 100 / 20.05);
  EXPECT_DOUBLE_EQ(r.ok_per_s, 100 / 20.05);
}

TEST(Stats, InfoWithoutCompletionIsCountedWithoutLatency) {
  Ops h;
  h.invoke(1, "write", 0).done(1, OpType::Info, "write", 40 * kMs);
  h.invoke(2, "write", 10 * kMs);  // never completes
  const StatsResult r = compute_stats(h.ops);
  const Latency& info = r.by_f.at("write").info;
  EXPECT_EQ(info.count, 2);
  EXPECT_EQ(info.timed, 1);
  EXPECT_DOUBLE_EQ(info.p50_ms, 40);
  EXPECT_DOUBLE_EQ(info.max_ms, 40);
  EXPECT_EQ(r.operations, 2);
}

TEST(Stats, OpsWithoutTimesAreCountedWithoutLatency) {
  Ops h;
  h.invoke(1, "read", -1).done(1, OpType::Ok, "read", -1);
  const StatsResult r = compute_stats(h.ops);
  EXPECT_EQ(r.by_f.at("read").ok.count, 1);
  EXPECT_EQ(r.by_f.at("read").ok.timed, 0);
  EXPECT_EQ(r.duration_s, 0);
  EXPECT_EQ(r.ok_per_s, 0);
}

TEST(Stats, NemesisOpsAreNotClientOpsButGiveWindows) {
  Ops h;
  h.nemesis("start-partition", 0).nemesis("start-partition", 1 * kMs);  // requested, applied
  h.invoke(1, "read", 2 * kMs).done(1, OpType::Ok, "read", 3 * kMs);
  h.nemesis("stop-partition", 5 * kMs).nemesis("stop-partition", 6 * kMs);
  h.nemesis("start-kill", 7 * kMs).nemesis("heal", 9 * kMs);
  h.nemesis("start-clock", 10 * kMs);
  const StatsResult r = compute_stats(h.ops);
  EXPECT_EQ(r.operations, 1);
  EXPECT_EQ(r.by_f.size(), 1u);
  EXPECT_EQ(r.by_f.count("start-partition"), 0u);
  EXPECT_DOUBLE_EQ(r.duration_s, 0.001);  // client ops only
  ASSERT_EQ(r.nemesis.size(), 3u);
  EXPECT_EQ(r.nemesis[0].fault, "partition");
  EXPECT_EQ(r.nemesis[0].start_ns, 0);
  EXPECT_EQ(r.nemesis[0].stop_ns, 6 * kMs);
  EXPECT_EQ(r.nemesis[1].fault, "kill");
  EXPECT_EQ(r.nemesis[1].stop_ns, 9 * kMs);
  EXPECT_EQ(r.nemesis[2].fault, "clock");
  EXPECT_EQ(r.nemesis[2].stop_ns, -1);
}

TEST(Stats, HistoryWithOnlyNemesisOpsIsUnknown) {
  Ops h;
  h.nemesis("start-partition", 0);
  EXPECT_EQ(compute_stats(h.ops).verdict, Verdict::Unknown);
}

TEST(Stats, EmptyHistoryIsUnknown) {
  const StatsResult r = compute_stats({});
  EXPECT_EQ(r.verdict, Verdict::Unknown);
  EXPECT_EQ(r.operations, 0);
  const history::Value j = to_json(r);
  EXPECT_EQ(j["verdict"], "unknown");
  EXPECT_TRUE(j.contains("reason"));
}

TEST(Stats, JsonHoldsEveryFAndOutcome) {
  Ops h;
  h.invoke(1, "add", 0).done(1, OpType::Ok, "add", 2 * kMs);
  const history::Value j = to_json(compute_stats(h.ops));
  EXPECT_EQ(j["checker"], "stats");
  EXPECT_EQ(j["verdict"], "valid");
  EXPECT_EQ(j["by_f"]["add"]["ok"]["count"], 1);
  EXPECT_EQ(j["by_f"]["add"]["ok"]["p99_ms"], 2.0);
  EXPECT_EQ(j["by_f"]["add"]["info"]["count"], 0);
}

}  // namespace
}  // namespace faultline::checkers::stats
