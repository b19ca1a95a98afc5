// shell_quote/shell_join against hostile values: exact strings, and a real /bin/sh
// round trip that must hand every argument back byte-for-byte.
#include "harness/control/quote.h"
#include "harness/control/ssh.h"

#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace faultline::harness::control {
namespace {

const std::vector<std::string> kHostile = {
    "plain",
    "two words",
    "it's",
    "say \"hi\"",
    "$(touch /tmp/faultline-quote-pwned)",
    "`id`",
    "a;b",
    "x && y || z",
    "line1\nline2",
    "*",
    "~",
    "~root/x",
    "back\\slash\\",
    "",
    "-n",
    "--flag=value",
    "$HOME ${PATH}",
    "'",
    "''",
    "\t tab",
    "a|b>c<d",
    "!bang",
    "#hash",
    "A=b",
    "trailing\n",
};

// Runs printf '%s\0' <args> through /bin/sh and splits the output back into arguments.
// NUL rather than newline separators, so arguments that contain newlines stay exact.
std::vector<std::string> round_trip(const std::vector<std::string>& argv) {
  const std::string script = "printf '%s\\0' " + shell_join(argv);
  const std::string cmd = "/bin/sh -c " + shell_quote(script);
  FILE* p = ::popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr);
  std::string out;
  if (p != nullptr) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    EXPECT_EQ(::pclose(p), 0);
  }
  std::vector<std::string> args;
  std::string cur;
  for (char c : out) {
    if (c == '\0') {
      args.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  EXPECT_TRUE(cur.empty()) << "output not NUL-terminated: " << out;
  return args;
}

TEST(ShellQuote, LeavesSafeWordsBare) {
  EXPECT_EQ(shell_quote("plain"), "plain");
  EXPECT_EQ(shell_quote("/usr/bin/x-y_z.1"), "/usr/bin/x-y_z.1");
  EXPECT_EQ(shell_quote("-n"), "-n");
  EXPECT_EQ(shell_quote("10.77.0.11:22"), "10.77.0.11:22");
}

TEST(ShellQuote, EmptyStringBecomesTwoQuotes) { EXPECT_EQ(shell_quote(""), "''"); }

TEST(ShellQuote, QuotesEverythingTheShellWouldInterpret) {
  EXPECT_EQ(shell_quote("two words"), "'two words'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("'"), "''\\'''");
  EXPECT_EQ(shell_quote("say \"hi\""), "'say \"hi\"'");
  EXPECT_EQ(shell_quote("$(reboot)"), "'$(reboot)'");
  EXPECT_EQ(shell_quote("`id`"), "'`id`'");
  EXPECT_EQ(shell_quote("a;b"), "'a;b'");
  EXPECT_EQ(shell_quote("x && y"), "'x && y'");
  EXPECT_EQ(shell_quote("line1\nline2"), "'line1\nline2'");
  EXPECT_EQ(shell_quote("*"), "'*'");
  EXPECT_EQ(shell_quote("~"), "'~'");
  EXPECT_EQ(shell_quote("back\\slash"), "'back\\slash'");
  EXPECT_EQ(shell_quote("--flag=value"), "'--flag=value'");
}

TEST(ShellQuote, AssignmentLookingWordIsQuotedSoItStaysACommandWord) {
  EXPECT_EQ(shell_quote("A=b"), "'A=b'");
}

TEST(ShellJoin, QuotesEachArgumentAndSeparatesWithSpaces) {
  EXPECT_EQ(shell_join({"echo", "a b", "", "it's", "-n"}), "echo 'a b' '' 'it'\\''s' -n");
  EXPECT_EQ(shell_join({}), "");
}

TEST(ShellJoin, HostileArgumentsSurviveARealShellByteForByte) {
  std::vector<std::string> got = round_trip(kHostile);
  ASSERT_EQ(got.size(), kHostile.size());
  for (size_t i = 0; i < kHostile.size(); ++i) {
    EXPECT_EQ(got[i], kHostile[i]) << "argument " << i;
  }
}

TEST(ShellJoin, EachHostileArgumentAloneSurvivesARealShell) {
  for (const auto& arg : kHostile) {
    std::vector<std::string> got = round_trip({arg});
    ASSERT_EQ(got.size(), 1u) << shell_quote(arg);
    EXPECT_EQ(got[0], arg);
  }
}

TEST(ShellJoin, NestedQuotingSurvivesTwoShells) {
  // What Pool::exec does for a non-root user: sh -c <quoted> inside another shell.
  const std::vector<std::string> argv = {"printf", "%s\\0", "it's $(x)", "a\nb", ""};
  const std::string inner = shell_join(argv);
  const std::string outer = "sh -c " + shell_quote(inner);
  FILE* p = ::popen(("/bin/sh -c " + shell_quote(outer)).c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[256];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(::pclose(p), 0);
  EXPECT_EQ(out, std::string("it's $(x)\0a\nb\0\0", 15));
}

}  // namespace

TEST(RemoteCommand, RootRunsTheQuotedCommandWithSh) {
  EXPECT_EQ(remote_command("root", "echo 'a b' | wc -c"), "sh -c 'echo '\\''a b'\\'' | wc -c'");
}

TEST(RemoteCommand, OtherUsersGoThroughNonInteractiveSudo) {
  const std::string wrapped = remote_command("deploy", "iptables -S; echo $(id -u)");
  EXPECT_EQ(wrapped, "sudo -n sh -c 'iptables -S; echo $(id -u)'");
  // What sudo's sh then runs is exactly the original command.
  std::string inner = wrapped.substr(std::string("sudo -n sh -c ").size());
  FILE* p = ::popen(("printf '%s' " + inner).c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[256];
  std::string out;
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  EXPECT_EQ(out, "iptables -S; echo $(id -u)");
}

}  // namespace faultline::harness::control
