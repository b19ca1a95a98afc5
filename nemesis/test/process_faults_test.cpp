// The pure parts of the process faults: reading /proc/<pid>/stat and the probe output,
// deciding whether a pidfile names our process, and the commands sent to the nodes
// (run here with /bin/sh to show hostile paths stay one word).

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "nemesis/process_faults.h"

namespace faultline::nemesis {
namespace {

namespace fs = std::filesystem;

// A real stat line (fields 3..52), with `comm` and `state` swapped in.
std::string stat_line(int pid, const std::string& comm, char state, long long start) {
  return std::to_string(pid) + " (" + comm + ") " + state +
         " 8603 8603 6678 0 -1 4194304 102 0 0 0 0 0 0 0 20 0 1 0 " + std::to_string(start) +
         " 3133440 408 18446744073709551615 94895767646208 94895767666089 0 0 0 0 0 0 0 0 0"
         " 17 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
}

// Runs `command` with /bin/sh on this machine; returns its stdout, and the exit
// status in `*status` if given.
std::string run_sh(const std::string& command, int* status = nullptr) {
  const std::string quoted = "'" + [&] {
    std::string q;
    for (char c : command) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q;
  }() + "'";
  FILE* p = ::popen(("/bin/sh -c " + quoted).c_str(), "r");
  if (p == nullptr) return "<popen failed>";
  std::string out;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  if (status != nullptr) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

TEST(ProcStat, ReadsStateAndStartTime) {
  auto st = parse_proc_stat(stat_line(42, "counter.sh", 'S', 480421));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->pid, 42);
  EXPECT_EQ(st->comm, "counter.sh");
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(st->start_time, 480421);
}

TEST(ProcStat, CommWithSpacesAndParenthesesDoesNotShiftTheFields) {
  for (const std::string comm : {"a b", ") T (", "x) S 1 2 (y", "((()))", "  ", ")"}) {
    auto st = parse_proc_stat(stat_line(7, comm, 'T', 99));
    ASSERT_TRUE(st.has_value()) << comm;
    EXPECT_EQ(st->comm, comm);
    EXPECT_EQ(st->state, 'T') << comm;
    EXPECT_EQ(st->start_time, 99) << comm;
  }
}

TEST(ProcStat, ThisProcessStatParsesAsRunning) {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto st = parse_proc_stat(text);
  ASSERT_TRUE(st.has_value()) << text;
  EXPECT_EQ(st->state, 'R');
  EXPECT_GT(st->start_time, 0);
}

TEST(ProcStat, TruncatedOrGarbageIsRejected) {
  EXPECT_FALSE(parse_proc_stat(""));
  EXPECT_FALSE(parse_proc_stat("42 (x) S 1 2"));
  EXPECT_FALSE(parse_proc_stat("x (sh) S" + std::string(200, ' ')));
  EXPECT_FALSE(parse_proc_stat("42 sh S 1 2 3"));
  EXPECT_FALSE(parse_proc_stat(stat_line(-3, "sh", 'S', 1)));
}

TEST(ProcessProbe, OursRunningStoppedGoneAndForeign) {
  const std::string ours = "pidfile=42\nstat=" + stat_line(42, "sh", 'S', 5) +
                           "cmdline=sh /opt/faultline/counter.sh\n";
  EXPECT_EQ(classify(parse_probe(ours), "counter.sh"), ProcessState::Running);
  EXPECT_EQ(classify(parse_probe(ours), "raft-server"), ProcessState::Foreign);
  const std::string stopped = "pidfile=42\nstat=" + stat_line(42, "sh", 'T', 5) +
                              "cmdline=sh /opt/faultline/counter.sh\n";
  EXPECT_EQ(classify(parse_probe(stopped), "counter.sh"), ProcessState::Stopped);
  const std::string zombie = "pidfile=42\nstat=" + stat_line(42, "sh", 'Z', 5) + "cmdline=\n";
  EXPECT_EQ(classify(parse_probe(zombie), "counter.sh"), ProcessState::Gone);
  EXPECT_EQ(classify(parse_probe("pidfile=42\n"), "counter.sh"), ProcessState::Gone);
  EXPECT_EQ(classify(parse_probe("nopidfile\n"), "counter.sh"), ProcessState::NoPidfile);
  EXPECT_EQ(classify(parse_probe("pidfile=\n"), "counter.sh"), ProcessState::BadPidfile);
  EXPECT_EQ(classify(parse_probe("pidfile=12abc\n"), "counter.sh"), ProcessState::BadPidfile);
  // An empty expect never makes a process ours.
  EXPECT_EQ(classify(parse_probe(ours), ""), ProcessState::Foreign);
}

TEST(ProcessProbe, StatOfAnotherPidIsIgnored) {
  const std::string out = "pidfile=42\nstat=" + stat_line(43, "sh", 'S', 5) + "cmdline=counter.sh\n";
  EXPECT_EQ(classify(parse_probe(out), "counter.sh"), ProcessState::Gone);
}

TEST(ProcessCommands, ProbeOfThisShellReadsItsOwnPidfile) {
  char tmpl[] = "/tmp/fl-proc-unit-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  // A hostile directory name: spaces, quotes, $(...), backticks, a newline.
  const fs::path hostile = dir / "a b'c\"$(touch pwned)`id`\nd";
  fs::create_directories(hostile);
  const fs::path pidfile = hostile / "x.pid";
  std::ofstream(pidfile) << ::getpid() << "\n";
  const Probe p = parse_probe(run_sh(probe_command(pidfile.string())));
  EXPECT_TRUE(p.pidfile_present);
  EXPECT_EQ(p.pid, ::getpid());
  ASSERT_TRUE(p.stat.has_value());
  EXPECT_NE(p.cmdline.find("process_faults_test"), std::string::npos) << p.cmdline;
  EXPECT_EQ(classify(p, "process_faults_test"), ProcessState::Running);
  EXPECT_FALSE(fs::exists("pwned"));
  EXPECT_FALSE(fs::exists(hostile / "pwned"));

  EXPECT_EQ(run_sh(probe_command((hostile / "missing.pid").string())), "nopidfile\n");
  // A pidfile naming a pid that is gone: just the pid, and still exit status 0.
  const pid_t dead = ::fork();
  ASSERT_GE(dead, 0);
  if (dead == 0) ::_exit(0);
  ASSERT_EQ(::waitpid(dead, nullptr, 0), dead);
  std::ofstream(pidfile, std::ios::trunc) << dead << "\n";
  int status = -1;
  const std::string gone = run_sh(probe_command(pidfile.string()), &status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(gone, "pidfile=" + std::to_string(dead) + "\n");
  EXPECT_EQ(classify(parse_probe(gone), "x"), ProcessState::Gone);
  std::ofstream(pidfile, std::ios::trunc) << "1; touch pwned\n";
  EXPECT_EQ(run_sh(probe_command(pidfile.string())), "pidfile=1;touchpwned\n");
  EXPECT_FALSE(fs::exists("pwned"));
  fs::remove_all(dir);
}

TEST(ProcessCommands, SignalIsSentOnlyWhenTheStartTimeStillMatches) {
  // A child we own: sleep, stopped and continued through signal_command.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::ifstream in("/proc/" + std::to_string(child) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto st = parse_proc_stat(text);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(run_sh(signal_command(child, st->start_time + 1, "KILL")), "gone\n");
  EXPECT_EQ(::kill(child, 0), 0);  // still alive: the wrong start time was refused
  EXPECT_EQ(run_sh(signal_command(child, st->start_time, "KILL")), "sent\n");
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_EQ(run_sh(signal_command(child, st->start_time, "KILL")), "gone\n");
}

TEST(ProcessCommands, StatCommandPrintsTheStatOrNothing) {
  int status = -1;
  auto st = parse_proc_stat(run_sh(stat_command(::getpid()), &status));
  EXPECT_EQ(status, 0);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->pid, ::getpid());
  const pid_t dead = ::fork();
  ASSERT_GE(dead, 0);
  if (dead == 0) ::_exit(0);
  ASSERT_EQ(::waitpid(dead, nullptr, 0), dead);
  EXPECT_EQ(run_sh(stat_command(dead), &status), "");
  EXPECT_EQ(status, 0);
}

TEST(ProcessCommands, SignalNameIsQuoted) {
  const std::string cmd = signal_command(42, 7, "KILL; rm -rf /");
  EXPECT_NE(cmd.find("kill -s 'KILL; rm -rf /' 42"), std::string::npos) << cmd;
}

TEST(ProcessOutcome, DescribeSaysPidAndSignal) {
  EXPECT_EQ(describe({"n2", ProcessAction::Killed, 42, SIGKILL, ""}), "n2: killed pid 42 (SIGKILL)");
  EXPECT_EQ(describe({"n1", ProcessAction::AlreadyDead, 0, 0, "no pidfile"}),
            "n1: already dead (no pidfile)");
  EXPECT_EQ(describe({"n3", ProcessAction::Paused, 7, SIGSTOP, ""}), "n3: paused pid 7 (SIGSTOP)");
}

TEST(ProcessCommands, CrashLoopKillsAndRestartsOurProcessOnceAGap) {
  char tmpl[] = "/tmp/fl-crash-loop-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  const fs::path hostile = dir / "a b'c$(touch pwned)";
  fs::create_directories(hostile);
  // A target that writes its own pidfile and runs until killed.
  const fs::path script = hostile / "fl-target.sh";
  std::ofstream(script) << "echo $$ > \"$1\"; while :; do sleep 0.05; done\n";
  ProcessSpec spec;
  spec.pidfile = (hostile / "t.pid").string();
  spec.expect = "fl-target.sh";
  auto q = [](const fs::path& p) {
    std::string out = "'";
    for (char c : p.string()) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  };
  spec.start_command = "sh " + q(script) + " " + q(spec.pidfile) + " >/dev/null 2>&1 &";
  spec.start_wait_ms = 2000;
  ASSERT_EQ(run_sh(spec.start_command + " sleep 0.2; cat " + q(spec.pidfile)).empty(), false);
  const int first = std::stoi(run_sh("cat " + q(spec.pidfile)));

  int status = -1;
  const std::string out = run_sh(crash_loop_command(spec, {30, 40, 30}), &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("restarts=3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("late=0\n"), std::string::npos) << out;
  const size_t at = out.find("pid=");
  ASSERT_NE(at, std::string::npos) << out;
  const int last = std::atoi(out.c_str() + at + 4);
  EXPECT_GT(last, 0);
  EXPECT_NE(last, first);
  // The first one was killed: its pid no longer names our script.
  EXPECT_EQ(run_sh("tr '\\0' ' ' </proc/" + std::to_string(first) + "/cmdline 2>/dev/null")
                .find("fl-target.sh"),
            std::string::npos);
  EXPECT_EQ(::kill(last, 0), 0);  // the last start is running
  EXPECT_EQ(std::stoi(run_sh("cat " + q(spec.pidfile))), last);
  EXPECT_FALSE(fs::exists(hostile / "pwned"));
  EXPECT_FALSE(fs::exists("pwned"));
  ::kill(last, SIGKILL);

  // A pidfile naming a process that is not ours: nothing is killed, a start is made.
  std::ofstream(spec.pidfile, std::ios::trunc) << ::getpid() << "\n";
  const std::string foreign = run_sh(crash_loop_command(spec, {10}), &status);
  EXPECT_EQ(status, 0) << foreign;
  EXPECT_EQ(::kill(::getpid(), 0), 0);
  const size_t at2 = foreign.find("pid=");
  ASSERT_NE(at2, std::string::npos) << foreign;
  const int started = std::atoi(foreign.c_str() + at2 + 4);
  EXPECT_GT(started, 0) << foreign;
  if (started > 0 && started != ::getpid()) ::kill(started, SIGKILL);
  fs::remove_all(dir);
}

TEST(ProcessOutcome, ACrashLoopSaysHowManyRestarts) {
  NodeOutcome o{"n2", ProcessAction::CrashLooped, 77, SIGKILL, "", 25};
  EXPECT_EQ(describe(o), "n2: crash looped pid 77 (SIGKILL) (25 restarts)");
}

}  // namespace
}  // namespace faultline::nemesis
