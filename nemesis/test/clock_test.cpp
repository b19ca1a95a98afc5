// The pure parts of the faketime clock backend: offset specs, the environment a target
// starts under, and the commands sent to the nodes (run here with /bin/sh, under hostile
// paths, to show every value stays one word and the offset file is written whole).

#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "nemesis/clock.h"

namespace faultline::nemesis {
namespace {

namespace fs = std::filesystem;

// Runs `command` with /bin/sh on this machine; returns its stdout, and the exit
// status in `*status` if given.
// `s` as one single-quoted sh word.
std::string sh_word(const std::string& s) {
  std::string quoted = "'";
  for (char c : s) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string run_sh(const std::string& command, int* status = nullptr) {
  FILE* p = ::popen(("/bin/sh -c " + sh_word(command) + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return "<popen failed>";
  std::string out;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  if (status != nullptr) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int64_t realtime_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// A scratch dir holding a subfolder with a hostile name: spaces, quotes, $(...),
// backticks, a newline, a leading dash.
class ClockCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fl-clock-unit-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    hostile_ = dir_ / "-a b'c\"$(touch pwned)`touch pwned2`\nd;x";
  }
  void TearDown() override {
    EXPECT_FALSE(fs::exists("pwned"));
    EXPECT_FALSE(fs::exists("pwned2"));
    EXPECT_FALSE(fs::exists(dir_ / "pwned"));
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  fs::path hostile_;
};

TEST(FaketimeSpec, WholeFractionalNegativeAndZero) {
  EXPECT_EQ(faketime_spec(0), "+0");
  EXPECT_EQ(faketime_spec(60'000), "+60.000s");
  EXPECT_EQ(faketime_spec(-60'000), "-60.000s");
  EXPECT_EQ(faketime_spec(-250), "-0.250s");
  EXPECT_EQ(faketime_spec(250), "+0.250s");
  EXPECT_EQ(faketime_spec(1), "+0.001s");
  EXPECT_EQ(faketime_spec(-1), "-0.001s");
  EXPECT_EQ(faketime_spec(-2'500), "-2.500s");
  EXPECT_EQ(faketime_spec(1'234'567), "+1234.567s");
  EXPECT_EQ(faketime_spec(86'400'000), "+86400.000s");
  EXPECT_EQ(faketime_spec(std::numeric_limits<int64_t>::min()), "-9223372036854775.808s");
  EXPECT_EQ(faketime_spec(std::numeric_limits<int64_t>::max()), "+9223372036854775.807s");
}

TEST(FaketimeEnv, PreloadsTheLibraryAndReadsTheOffsetFileWithRealMonotonic) {
  EXPECT_EQ(faketime_env("/opt/faultline/clock/offset"),
            (std::vector<std::string>{
                "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                "FAKETIME_TIMESTAMP_FILE=/opt/faultline/clock/offset",
                "FAKETIME_DONT_FAKE_MONOTONIC=1",
                "FAKETIME_CACHE_DURATION=0",
                "FAKETIME_FMT=%s",
            }));
  const auto env = faketime_env("/x/off", "/lib/libfake.so");
  EXPECT_EQ(env.at(0), "LD_PRELOAD=/lib/libfake.so");
  EXPECT_EQ(env.at(1), "FAKETIME_TIMESTAMP_FILE=/x/off");
  EXPECT_EQ(std::string(kDefaultOffsetFile), "/opt/faultline/clock/offset");
}

TEST(FaketimeEnv, CommandStartsWithEnvAndQuotesEveryWord) {
  EXPECT_EQ(faketime_command("/opt/faultline/clock/offset", {"date", "+%s%N"}),
            // `=` is not in shell_quote's bare set, so each NAME=value is one quoted
            // word; env (not sh) splits it, which is why the assignments go through env.
            "env 'LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1'"
            " 'FAKETIME_TIMESTAMP_FILE=/opt/faultline/clock/offset'"
            " 'FAKETIME_DONT_FAKE_MONOTONIC=1' 'FAKETIME_CACHE_DURATION=0'"
            " 'FAKETIME_FMT=%s' date +%s%N");
}

TEST_F(ClockCommands, FaketimeCommandPassesAHostilePathAsOneValue) {
  // An empty library: LD_PRELOAD is set but loads nothing, so this runs without faketime.
  const std::string cmd = faketime_command(
      hostile_.string(),
      {"sh", "-c", "printf '%s|%s|%s|%s' \"$FAKETIME_TIMESTAMP_FILE\" \"$LD_PRELOAD\""
                   " \"$FAKETIME_DONT_FAKE_MONOTONIC\" \"$FAKETIME_CACHE_DURATION\""},
      "");
  EXPECT_EQ(run_sh(cmd), hostile_.string() + "||1|0");
}

TEST_F(ClockCommands, WriteCreatesTheFolderAndReplacesTheFileWhole) {
  const fs::path file = hostile_ / "clock" / "offset";
  int status = -1;
  EXPECT_EQ(run_sh(offset_write_command(file.string(), "+60.000s"), &status),
            "applied=+60.000s\n");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(slurp(file), "+60.000s\n");
  EXPECT_EQ(run_sh(offset_write_command(file.string(), "-0.250s"), &status), "applied=-0.250s\n");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(slurp(file), "-0.250s\n");
  // No tmp file is left beside it.
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(file.parent_path())) {
    ++entries;
    EXPECT_EQ(e.path().filename(), "offset");
  }
  EXPECT_EQ(entries, 1u);
  // A hostile spec is written as data, not run.
  EXPECT_EQ(run_sh(offset_write_command(file.string(), "$(touch pwned)'`x`"), &status),
            "applied=$(touch pwned)'`x`\n");
  EXPECT_EQ(slurp(file), "$(touch pwned)'`x`\n");
}

TEST_F(ClockCommands, WriteFailsWhenTheFolderCannotBeMade) {
  std::ofstream(dir_ / "plain") << "x";
  int status = 0;
  EXPECT_EQ(run_sh(offset_write_command((dir_ / "plain" / "offset").string(), "+1.000s"), &status),
            "");
  EXPECT_NE(status, 0);
  EXPECT_EQ(slurp(dir_ / "plain"), "x");
}

TEST_F(ClockCommands, MeasureReadsTheSpecAndTheTimeUnderAHostilePath) {
  fs::create_directories(hostile_);
  const fs::path file = hostile_ / "offset";
  // Without the library (empty LD_PRELOAD) the "faked" time is the real one.
  const int64_t before = realtime_ns();
  const std::string missing = run_sh(offset_measure_command(file.string(), ""));
  const int64_t after = realtime_ns();
  auto r = parse_measurement("n1", missing, before, after);
  ASSERT_TRUE(r.ok()) << r.error().message << "\n" << missing;
  EXPECT_EQ(r->spec, "");
  EXPECT_LE(std::abs(r->offset_ms), r->uncertainty_ms + 50) << missing;

  ASSERT_EQ(run_sh(offset_write_command(file.string(), "+60.000s")), "applied=+60.000s\n");
  const std::string out = run_sh(offset_measure_command(file.string(), ""));
  ASSERT_TRUE(parse_measurement("n1", out, before, realtime_ns()).ok()) << out;
  EXPECT_EQ(parse_measurement("n1", out, before, realtime_ns())->spec, "+60.000s");
}

TEST_F(ClockCommands, MeasureWithTheRealLibrarySeesTheOffset) {
  if (!fs::exists(kFaketimeLibrary)) GTEST_SKIP() << "needs " << kFaketimeLibrary;
  const fs::path file = hostile_ / "offset";
  for (int64_t delta : {60'000, -2'500, 0}) {
    ASSERT_EQ(run_sh(offset_write_command(file.string(), faketime_spec(delta))),
              "applied=" + faketime_spec(delta) + "\n");
    const int64_t before = realtime_ns();
    const std::string out = run_sh(offset_measure_command(file.string()));
    const int64_t after = realtime_ns();
    auto r = parse_measurement("n1", out, before, after);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->spec, faketime_spec(delta));
    EXPECT_NEAR(static_cast<double>(r->offset_ms), static_cast<double>(delta),
                static_cast<double>(r->uncertainty_ms + 50))
        << out;
  }
}

TEST_F(ClockCommands, StrobeFlipsTheFileAndLeavesZero) {
  const fs::path file = hostile_ / "clock" / "offset";
  // A background reader samples the file every 20 ms while the strobe runs.
  const fs::path samples = dir_ / "samples";
  const std::string reader =
      "i=0; while [ $i -lt 40 ]; do head -n 1 -- \"$1\" 2>/dev/null; i=$((i + 1)); sleep 0.02; done";
  int status = -1;
  const std::string out =
      run_sh("sh -c " + sh_word(reader) + " sh " + sh_word(file.string()) + " > " +
                 sh_word(samples.string()) + " & " +
                 offset_strobe_command(file.string(), "+60.000s", 100, 500) + "; wait",
             &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("applied=+0\n"), std::string::npos) << out;
  const size_t at = out.find("flips=");
  ASSERT_NE(at, std::string::npos) << out;
  const int flips = std::atoi(out.c_str() + at + 6);
  EXPECT_GE(flips, 3) << out;
  EXPECT_LE(flips, 6) << out;
  EXPECT_EQ(slurp(file), "+0\n");
  const std::string seen = slurp(samples);
  EXPECT_NE(seen.find("+60.000s\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("+0\n"), std::string::npos) << seen;
  // Only whole values were ever read, and no tmp file is left.
  std::istringstream lines(seen);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line == "+60.000s" || line == "+0") << line;
  }
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(file.parent_path())) {
    ++entries;
    EXPECT_EQ(e.path().filename(), "offset");
  }
  EXPECT_EQ(entries, 1u);
}

TEST_F(ClockCommands, FreezeWritesTheNextSecondBoundaryPlusDeltaJustBeforeIt) {
  const fs::path file = hostile_ / "clock" / "offset";
  for (int64_t delta : {0, -2'400, 3'600}) {
    int status = -1;
    const std::string out = run_sh(offset_freeze_command(file.string(), delta), &status);
    const int64_t written_ns = realtime_ns();
    EXPECT_EQ(status, 0) << out;
    ASSERT_EQ(out.rfind("applied=", 0), 0u) << out;
    const std::string spec = out.substr(8, out.size() - 9);
    EXPECT_TRUE(is_freeze_spec(spec)) << out;
    EXPECT_EQ(slurp(file), spec + "\n");
    // Written in the last ~50 ms of a second (give a loaded machine 200 ms), naming the
    // boundary that follows plus delta rounded to whole seconds.
    const int64_t second = written_ns / 1'000'000'000;
    const int64_t into_ms = (written_ns / 1'000'000) % 1000;
    const int64_t boundary = into_ms >= 700 ? second + 1 : second;
    EXPECT_EQ(std::stoll(spec), boundary + (delta >= 0 ? (delta + 500) / 1000 : -((-delta + 500) / 1000)))
        << out << " written " << into_ms << " ms into a second";
  }
  // The folder is made on demand, and only the offset file is left.
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(file.parent_path())) {
    ++entries;
    EXPECT_EQ(e.path().filename(), "offset");
  }
  EXPECT_EQ(entries, 1u);
}

TEST_F(ClockCommands, AFrozenClockStandsStillForTheRealLibraryAndRunsAgainAfterReset) {
  if (!fs::exists(kFaketimeLibrary)) GTEST_SKIP() << "needs " << kFaketimeLibrary;
  const fs::path file = hostile_ / "offset";
  ASSERT_EQ(run_sh(offset_freeze_command(file.string(), 0)).rfind("applied=", 0), 0u);
  // Two fresh faked processes 300 ms apart both see the frozen second.
  auto faked_now = [&] {
    return std::stoll(run_sh(faketime_command(file.string(), {"date", "+%s%N"})));
  };
  const long long a = faked_now();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const long long b = faked_now();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a % 1'000'000'000, 0);
  EXPECT_NEAR(static_cast<double>(a - realtime_ns()) / 1e6, 0.0, 1500.0);
  ASSERT_EQ(run_sh(offset_write_command(file.string(), "+0")), "applied=+0\n");
  const long long c = faked_now();
  EXPECT_NEAR(static_cast<double>(c - realtime_ns()) / 1e6, 0.0, 100.0);
}

TEST(FaketimeSpec, OnlyWholeUnsignedSecondsAreAFreeze) {
  EXPECT_TRUE(is_freeze_spec("1718000000"));
  EXPECT_FALSE(is_freeze_spec("+0"));
  EXPECT_FALSE(is_freeze_spec("-1.000s"));
  EXPECT_FALSE(is_freeze_spec("+0 x0.2"));
  EXPECT_FALSE(is_freeze_spec(""));
}

TEST(ClockSpecChecks, AFreezeIsNeitherABumpNorAStrobeAndSettimeCannotFreeze) {
  ClockSkew freeze;
  freeze.delta_ms = {{"n1", 0}, {"n2", 0}};
  freeze.freeze = true;
  ASSERT_TRUE(refuse_as_bump(freeze).has_value());
  EXPECT_EQ(refuse_as_bump(freeze)->size(), 2u);
  EXPECT_TRUE(refuse_as_strobe(freeze).has_value());
  EXPECT_FALSE(refuse_as_freeze(freeze).has_value());
  ClockSkew bump;
  bump.delta_ms = {{"n1", 5}};
  EXPECT_TRUE(refuse_as_freeze(bump).has_value());
  freeze.strobe_period_ms = 100;
  EXPECT_TRUE(refuse_as_freeze(freeze).has_value());
}

TEST(ClockMeasurement, OffsetIsAgainstTheMidpointOfTheCall) {
  const int64_t ms = 1'000'000;
  auto r = parse_measurement("n2", "spec=+60.000s\nnow=" + std::to_string(61'005 * ms) + "\n",
                             1'000 * ms, 1'010 * ms);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->node, "n2");
  EXPECT_EQ(r->spec, "+60.000s");
  EXPECT_EQ(r->offset_ms, 60'000);
  EXPECT_EQ(r->uncertainty_ms, 5);
  auto neg = parse_measurement("n3", "spec=-0.250s\nnow=" + std::to_string(755 * ms) + "\n",
                               1'000 * ms, 1'010 * ms);
  ASSERT_TRUE(neg.ok());
  EXPECT_EQ(neg->offset_ms, -250);
  EXPECT_EQ(describe(*neg), "n3: measured -250 ms ±5 (offset file: -0.250s)");
}

TEST(ClockMeasurement, MissingOrGarbledTimeIsAnErrorNamingTheNode) {
  auto none = parse_measurement("n2", "spec=+0\n", 0, 1);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("node n2"), std::string::npos) << none.error().message;
  auto garbled = parse_measurement("n3", "spec=+0\nnow=%N\n", 0, 1);
  ASSERT_FALSE(garbled.ok());
  EXPECT_NE(garbled.error().message.find("node n3"), std::string::npos);
  auto empty = parse_measurement("n1", "spec=\nnow=\n", 0, 1);
  ASSERT_FALSE(empty.ok());
}

TEST(ClockOutcome, DescribeSaysSpecAndMeasurement) {
  ClockOutcome o;
  o.node = "n2";
  o.delta_ms = 60'000;
  o.spec = "+60.000s";
  o.measured = {"n2", "+60.000s", 60'004, 3};
  EXPECT_EQ(describe(o), "n2: clock offset +60.000s (measured +60004 ms ±3)");
  o.delta_ms = 0;
  o.spec = "1718000000";
  o.frozen = true;
  o.measured = {"n2", "1718000000", 40, 2};
  EXPECT_EQ(describe(o), "n2: clock frozen at 1718000000 (measured +40 ms ±2)");
}

}  // namespace
}  // namespace faultline::nemesis
