// Plots drawn by a real gnuplot (skipped when none is installed) and the warnings when
// it is missing, failing or hanging.
#include "reports/plots/plots.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace faultline::reports::plots {
namespace {

namespace fs = std::filesystem;
using history::Op;
using history::OpType;
using history::Process;
using history::Value;

constexpr int64_t kMs = 1'000'000;

class PlotsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("plots-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  static bool have_gnuplot() { return std::system("gnuplot --version >/dev/null 2>&1") == 0; }

  void client(int64_t process, OpType type, const std::string& f, int64_t time_ms, const std::string& node = "n1") {
    Op op;
    op.index = static_cast<int64_t>(h_.size());
    op.time = time_ms * kMs;
    op.process = Process::client(process);
    op.type = type;
    op.f = f;
    op.node = node;
    h_.push_back(op);
  }
  // A call from `start_ms` taking `latency_ms`, ending in `outcome`.
  void call(int64_t process, int64_t start_ms, int64_t latency_ms, OpType outcome) {
    client(process, OpType::Invoke, "write", start_ms);
    client(process, outcome, "write", start_ms + latency_ms);
  }
  // A nemesis op as the driver writes it: the request, then what was applied.
  void nemesis(const std::string& f, int64_t time_ms, Value applied = Value::object()) {
    for (int i = 0; i < 2; ++i) {
      Op op;
      op.index = static_cast<int64_t>(h_.size());
      op.time = (time_ms + i) * kMs;
      op.process = Process::named("nemesis");
      op.type = OpType::Info;
      op.f = f;
      op.value = i == 0 ? Value{{"requested", Value::object()}} : Value{{"applied", applied}};
      h_.push_back(op);
    }
  }
  // Ops over 4 s: ok, fail and info calls, a partition window and a kill window.
  void typical_run() {
    for (int64_t t = 0; t < 4000; t += 10) {
      call(t / 10 % 5, t, 1 + t % 37, t % 100 == 0 ? OpType::Fail : OpType::Ok);
    }
    call(7, 1500, 1000, OpType::Info);
    nemesis("start-partition", 500);
    nemesis("stop-partition", 1500);
    nemesis("start-kill", 2000);
    nemesis("heal", 3000);
  }

  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static const Plot* find(const PlotResult& r, const std::string& name) {
    for (const Plot& p : r.plots) {
      if (p.name == name) return &p;
    }
    return nullptr;
  }
  static std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += s + "\n";
    return out;
  }

  fs::path dir_;
  std::vector<Op> h_;
};

TEST_F(PlotsTest, LatencyAndThroughputAreDrawnWithShadedNemesisWindows) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed";
  typical_run();
  const PlotResult r = make_plots(h_, dir_);
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
  ASSERT_EQ(r.plots.size(), 2u) << joined(r.warnings);
  EXPECT_EQ(r.plots[0].name, "latency");
  EXPECT_EQ(r.plots[1].name, "throughput");
  for (const Plot& p : r.plots) {
    EXPECT_EQ(p.svg, dir_ / (p.name + ".svg"));
    ASSERT_TRUE(fs::exists(p.svg));
    ASSERT_TRUE(fs::exists(p.png));
    EXPECT_EQ(slurp(p.png).substr(1, 3), "PNG");
    const std::string svg = slurp(p.svg);
    EXPECT_NE(svg.find("<svg"), std::string::npos);
    // Two windows shaded plus two legend swatches, all semi-transparent.
    size_t shaded = 0;
    for (size_t at = svg.find("fill-opacity = '0.18"); at != std::string::npos;
         at = svg.find("fill-opacity = '0.18", at + 1)) {
      ++shaded;
    }
    EXPECT_GE(shaded, 4u) << p.name;
    EXPECT_NE(svg.find("<text>partition</text>"), std::string::npos) << p.name;
    EXPECT_NE(svg.find("<text>kill</text>"), std::string::npos) << p.name;
    EXPECT_NE(svg.find("<text>ok</text>"), std::string::npos) << p.name;
    EXPECT_NE(svg.find("<text>fail</text>"), std::string::npos) << p.name;
  }
  EXPECT_EQ(find(r, "clock"), nullptr);
  // The scratch directory is gone: only the plots are left.
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir_)) files += e.is_regular_file() ? 1 : 100;
  EXPECT_EQ(files, 4u);
}

TEST_F(PlotsTest, RelativeOutputDirectoryWorks) {
  // Regression: a run stored under a relative --store (the main job's `store`) got
  // "gnuplot not found" because gnuplot's log path was resolved after its chdir.
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot not installed";
  typical_run();
  const fs::path cwd = fs::current_path();
  fs::create_directories(dir_);
  fs::current_path(dir_);
  const auto result = make_plots(h_, "relative/plots");
  fs::current_path(cwd);
  EXPECT_TRUE(result.warnings.empty()) << result.warnings.front();
  ASSERT_EQ(result.plots.size(), 2u);
  EXPECT_TRUE(fs::exists(dir_ / "relative/plots/latency.svg"));
}

TEST_F(PlotsTest, ClockOpsGiveAClockPlotPerNode) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed";
  typical_run();
  nemesis("start-clock", 1000, Value{{"measured_ms", {{"n1", 52640}, {"n2", 4}, {"n3", -7}}}});
  nemesis("stop-clock", 2500, Value{{"measured_ms", {{"n1", 8}, {"n2", 5}, {"n3", 8}}}});
  const PlotResult r = make_plots(h_, dir_);
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
  const Plot* clock = find(r, "clock");
  ASSERT_NE(clock, nullptr) << joined(r.warnings);
  EXPECT_EQ(r.plots.back().name, "clock");
  ASSERT_TRUE(fs::exists(clock->png));
  const std::string svg = slurp(clock->svg);
  for (const char* node : {"n1", "n2", "n3", "clock"}) {
    EXPECT_NE(svg.find(std::string("<text>") + node + "</text>"), std::string::npos) << node;
  }
}

TEST_F(PlotsTest, MissingGnuplotIsAWarningAndNoPlots) {
  typical_run();
  const PlotResult r = make_plots(h_, dir_, "/nonexistent/faultline-no-gnuplot");
  EXPECT_TRUE(r.plots.empty());
  ASSERT_EQ(r.warnings.size(), 1u) << joined(r.warnings);
  EXPECT_NE(r.warnings[0].find("gnuplot not found"), std::string::npos) << r.warnings[0];
  EXPECT_FALSE(fs::exists(dir_ / "latency.svg"));
}

TEST_F(PlotsTest, FailingGnuplotIsAWarningPerPlot) {
  typical_run();
  const PlotResult r = make_plots(h_, dir_, "false");
  EXPECT_TRUE(r.plots.empty());
  ASSERT_EQ(r.warnings.size(), 2u) << joined(r.warnings);
  EXPECT_NE(r.warnings[0].find("gnuplot failed drawing the latency plot (exit status 1)"), std::string::npos)
      << r.warnings[0];
}

// A gnuplot that never finishes is killed at the time limit (a real process and a
// 300 ms wait: what is tested is the wait itself).
TEST_F(PlotsTest, HangingGnuplotIsKilledAtTheTimeLimit) {
  typical_run();
  fs::create_directories(dir_);
  const fs::path hang = dir_ / "hang.sh";
  std::ofstream(hang) << "#!/bin/sh\nexec sleep 30\n";
  fs::permissions(hang, fs::perms::owner_all);
  PlotOptions options;
  options.timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  const PlotResult r = make_plots(h_, dir_, hang.string(), options);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(r.plots.empty());
  ASSERT_EQ(r.warnings.size(), 2u) << joined(r.warnings);
  EXPECT_NE(r.warnings[0].find("was killed"), std::string::npos) << r.warnings[0];
}

TEST_F(PlotsTest, HostileNamesInFaultsAndNodesDoNotBreakGnuplot) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed";
  typical_run();
  const std::string evil = "x'; system('touch pwned'); print '\"\\\n<script>alert(1)</script>@^{_}\xff";
  nemesis("start-" + evil, 100);
  nemesis("stop-" + evil, 400);
  nemesis("start-clock", 1000, Value{{"measured_ms", {{evil, 12}, {"n'2\\", 3}}}});
  for (Op& op : h_) {
    if (op.process.is_client()) {
      op.f = evil;
      op.node = evil;
    }
  }
  const PlotResult r = make_plots(h_, dir_);
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
  ASSERT_EQ(r.plots.size(), 3u) << joined(r.warnings);
  EXPECT_FALSE(fs::exists(dir_ / "pwned"));
  EXPECT_FALSE(fs::exists("pwned"));
  for (const Plot& p : r.plots) {
    const std::string svg = slurp(p.svg);
    EXPECT_EQ(svg.find("<script"), std::string::npos) << p.name;
    EXPECT_NE(svg.find("&lt;script>"), std::string::npos) << p.name;  // the name, as text
  }
}

TEST_F(PlotsTest, ManyPointsAreThinnedDeterministicallyAndTheTitleSaysSo) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed";
  for (int64_t i = 0; i < 3000; ++i) call(i % 4, i, 1 + i * 7919 % 1000, i % 500 == 0 ? OpType::Fail : OpType::Ok);
  for (int64_t i = 0; i < 3000; ++i) call(4, 5000, 5, OpType::Ok);  // all drawn on one spot
  client(9, OpType::Invoke, "read", 2000);                          // never completes
  PlotOptions options;
  options.max_latency_points = 100;
  const PlotResult r = make_plots(h_, dir_, "gnuplot", options);
  ASSERT_FALSE(r.plots.empty()) << joined(r.warnings);
  const std::string title = r.plots[0].title;
  EXPECT_NE(title.find("6,000 ops: "), std::string::npos) << title;
  EXPECT_NE(title.find("thinned evenly to 100: ok 1 in "), std::string::npos) << title;
  EXPECT_NE(title.find("(1 never completed: not drawn)"), std::string::npos) << title;
  const std::string svg = slurp(r.plots[0].svg);
  size_t points = 0;
  for (size_t at = svg.find("#gpPt6"); at != std::string::npos; at = svg.find("#gpPt6", at + 1)) ++points;
  EXPECT_LE(points, 100u + 2u);  // plus the key's two samples

  const PlotResult same = make_plots(h_, dir_ / "again", "gnuplot", options);
  ASSERT_FALSE(same.plots.empty()) << joined(same.warnings);
  EXPECT_EQ(slurp(same.plots[0].svg), svg);  // the same history draws the same picture

  options.call_timeout_s = 1;
  const PlotResult drawn = make_plots(h_, dir_, "gnuplot", options);
  ASSERT_FALSE(drawn.plots.empty()) << joined(drawn.warnings);
  EXPECT_NE(drawn.plots[0].title.find("1 never completed: drawn as info at the call timeout"), std::string::npos)
      << drawn.plots[0].title;
}

TEST_F(PlotsTest, ATimeFarPastAnyRealRunWidensTheThroughputBuckets) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed";
  typical_run();
  client(1, OpType::Invoke, "read", 4000);
  h_.back().time = int64_t{4'000'000'000'000'000'000};  // ~127 years: a corrupt history
  const PlotResult r = make_plots(h_, dir_);
  ASSERT_EQ(r.plots.size(), 2u) << joined(r.warnings);
  EXPECT_NE(r.plots[1].title.find("averaged over 4,000 s"), std::string::npos) << r.plots[1].title;
}

TEST_F(PlotsTest, AHistoryWithoutClientOpsGivesNoLatencyPlot) {
  nemesis("start-kill", 10);
  const PlotResult r = make_plots(h_, dir_);
  EXPECT_TRUE(r.plots.empty());
  ASSERT_EQ(r.warnings.size(), 1u) << joined(r.warnings);
  EXPECT_NE(r.warnings[0].find("no client op"), std::string::npos);
}

}  // namespace
}  // namespace faultline::reports::plots
