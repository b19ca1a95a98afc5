// The settime clock backend without a VM: the commands SettimeClock sends (as strings,
// hostile paths staying one word), the helper's argument parsing and arithmetic, and
// the helper binary itself, ONLY with --dry-run (the host's clock is shared: a real
// step here would move every process's clock on this machine).

#include <sys/wait.h>

#include <cstdio>
#include <gtest/gtest.h>
#include <string>

#include "harness/control/quote.h"
#include "nemesis/settime/settime_plan.h"
#include "nemesis/settime_clock.h"

namespace faultline::nemesis {
namespace {

using settime::Action;
using settime::Request;

TEST(SettimeCommands, AreTheHelperWithQuotedArguments) {
  EXPECT_EQ(settime_bump_command(kDefaultSettimePath, 60000, false),
            "/opt/faultline/bin/faultline-settime bump 60000");
  EXPECT_EQ(settime_bump_command("/opt/my tools/settime", -250, true),
            "'/opt/my tools/settime' --dry-run bump -250");
  EXPECT_EQ(settime_strobe_command("/h", 200, 50, 1000, false), "/h strobe 200 50 1000");
  EXPECT_EQ(settime_reset_command("/h", 1700000000123456789, false),
            "/h reset 1700000000123456789");
  EXPECT_EQ(settime_now_command("/x'y"), "'/x'\\''y' now");
}

TEST(SettimeHelperArgs, ParsesEachCommand) {
  EXPECT_EQ(settime::parse_args({"bump", "-60000"}).value(),
            (Request{Action::Bump, false, -60000, 0, 0, 0}));
  EXPECT_EQ(settime::parse_args({"--dry-run", "strobe", "200", "50", "1000"}).value(),
            (Request{Action::Strobe, true, 200, 50, 1000, 0}));
  EXPECT_EQ(settime::parse_args({"reset", "1700000000000000000"}).value(),
            (Request{Action::Reset, false, 0, 0, 0, 1700000000000000000}));
  EXPECT_EQ(settime::parse_args({"now"}).value().action, Action::Now);
}

TEST(SettimeHelperArgs, RefusesWhatItCannotDoSafelyNamingTheArgument) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {{}, "missing command"},
           {{"--dry-run"}, "missing command"},
           {{"jump", "1"}, "unknown command 'jump'"},
           {{"bump"}, "bump takes 1 argument(s), got 0"},
           {{"bump", "1s"}, "delta-ms '1s' is not a whole number"},
           {{"bump", "604800001"}, "more than a week"},
           {{"strobe", "100", "0", "1000"}, "must be > 0"},
           {{"reset", "-5"}, "controller-unix-ns must be > 0"},
           {{"now", "1"}, "now takes 0 argument(s)"},
       }) {
    auto r = settime::parse_args(c.args);
    ASSERT_FALSE(r.ok()) << c.says;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("usage:"), std::string::npos);
  }
}

TEST(SettimeHelperArithmetic, StepsAndTimespecs) {
  EXPECT_EQ(settime::shifted_ns(1'000'000'000, 250).value(), 1'250'000'000);
  EXPECT_EQ(settime::shifted_ns(1'000'000'000, -1000).value(), 0);
  EXPECT_FALSE(settime::shifted_ns(1'000'000'000, -1001).has_value());  // before the epoch
  EXPECT_FALSE(settime::shifted_ns(INT64_MAX - 10, 1).has_value());
  const timespec ts = settime::to_timespec(1'700'000'000'123'456'789);
  EXPECT_EQ(ts.tv_sec, 1'700'000'000);
  EXPECT_EQ(ts.tv_nsec, 123'456'789);
}

TEST(SettimeHelperArithmetic, StrobeStepsAlternateAndAddUpToZero) {
  EXPECT_EQ(settime::strobe_steps(200, 50, 200), (std::vector<int64_t>{200, -200, 200, -200}));
  EXPECT_EQ(settime::strobe_steps(200, 50, 150), (std::vector<int64_t>{200, -200, 200, -200}));
  EXPECT_EQ(settime::strobe_steps(-30, 100, 10), (std::vector<int64_t>{-30, 30}));
  for (int64_t duration : {1, 99, 100, 101, 1000, 1234}) {
    int64_t sum = 0;
    for (int64_t s : settime::strobe_steps(500, 100, duration)) sum += s;
    EXPECT_EQ(sum, 0) << duration;
  }
}

// Runs the real helper binary; returns its exit status and stdout.
std::pair<int, std::string> run_helper(const std::string& args) {
  FILE* p = ::popen((std::string(SETTIME_BIN) + " " + args + " 2>&1").c_str(), "r");
  std::string out;
  char buf[256];
  while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int status = p == nullptr ? -1 : ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(SettimeHelperDryRun, PrintsWhatItWouldSetAndLeavesTheClockAlone) {
  // Every call here carries --dry-run: see the file comment.
  auto [code, out] = run_helper("--dry-run bump 60000");
  EXPECT_EQ(code, 0) << out;
  const auto would = out.find("would-set=");
  const auto now = out.find("now=");
  ASSERT_NE(would, std::string::npos) << out;
  ASSERT_NE(now, std::string::npos) << out;
  const long long set_ns = std::stoll(out.substr(would + 10));
  const long long now_ns = std::stoll(out.substr(now + 4));
  // The helper read the clock, added 60 s and did not set it: now is ~60 s before.
  EXPECT_NEAR(static_cast<double>(set_ns - now_ns), 60e9, 5e9) << out;

  auto [scode, sout] = run_helper("--dry-run strobe 100 1000 3000");
  EXPECT_EQ(scode, 0) << sout;
  EXPECT_NE(sout.find("flips=4\n"), std::string::npos) << sout;

  auto [rcode, rout] = run_helper("--dry-run reset 1700000000000000000");
  EXPECT_EQ(rcode, 0) << rout;
  EXPECT_NE(rout.find("would-set=1700000000000000000\n"), std::string::npos) << rout;

  auto [bad, bout] = run_helper("--dry-run bump soon");
  EXPECT_EQ(bad, 2);
  EXPECT_NE(bout.find("usage:"), std::string::npos) << bout;
}

}  // namespace
}  // namespace faultline::nemesis
