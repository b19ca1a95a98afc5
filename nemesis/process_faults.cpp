#include "nemesis/process_faults.h"

#include <csignal>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "harness/control/quote.h"
#include "nemesis/per_node.h"
#include "nemesis/text.h"
#include "nemesis/state_file.h"

namespace faultline::nemesis {

namespace {

using text::parse_number;
using text::trim;
using text::where;

const char* signal_label(int sig) {
  switch (sig) {
    case SIGKILL: return "SIGKILL";
    case SIGSTOP: return "SIGSTOP";
    case SIGCONT: return "SIGCONT";
    default: return "signal";
  }
}

bool alive(const std::optional<ProcStat>& st) {
  return st && st->state != 'Z' && st->state != 'X';
}

// True if `st` (a fresh read of /proc/<pid>/stat) is still the process that started at
// `start`, alive.
bool same_process(const std::optional<ProcStat>& st, long long start) {
  return alive(st) && st->start_time == start;
}

using Clock = std::chrono::steady_clock;

// The pidfile names a live process that is not the target (a reused pid, a stale file).
base::Error foreign_pidfile(const NodeName& node, const ProcessSpec& spec, const Probe& p) {
  return base::Error{where(node) + ": pidfile " + spec.pidfile + " names pid " +
                     std::to_string(p.pid) + ", which is not " + spec.expect +
                     " (cmdline: " + p.cmdline + "); not signalled"};
}

// When the pidfile names no live target: `o` with a note saying why (nothing to
// signal), or the error for a pidfile naming another process. nullopt when the target
// is running or stopped, and the caller goes on to signal it.
std::optional<base::Result<NodeOutcome>> unless_target_alive(ProcessState state,
                                                             const NodeName& node,
                                                             const ProcessSpec& spec,
                                                             const Probe& p, NodeOutcome o) {
  switch (state) {
    case ProcessState::NoPidfile:
    case ProcessState::BadPidfile:
    case ProcessState::Gone:
      o.note = to_string(state);
      return base::Result<NodeOutcome>(std::move(o));
    case ProcessState::Foreign:
      return base::Result<NodeOutcome>(foreign_pidfile(node, spec, p));
    case ProcessState::Running:
    case ProcessState::Stopped:
      break;
  }
  return std::nullopt;
}

}  // namespace

// ---- Pure helpers ------------------------------------------------------------------

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  // "<pid> (<comm>) <state> <ppid> ..." — comm is whatever the program set (up to 15
  // bytes, any characters, ')' and ' ' included), so split at the LAST ')'.
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  ProcStat st;
  auto pid = parse_number(trim(text.substr(0, open)));
  if (!pid || *pid <= 0 || *pid > 0x7fffffff) return std::nullopt;
  st.pid = static_cast<int>(*pid);
  st.comm = std::string(text.substr(open + 1, close - open - 1));
  // Fields from 3 (state) on, split on spaces.
  std::vector<std::string_view> fields;
  std::string_view rest = text.substr(close + 1);
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\n')) rest.remove_prefix(1);
    if (rest.empty()) break;
    size_t end = rest.find_first_of(" \n");
    if (end == std::string_view::npos) end = rest.size();
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end);
  }
  // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
  if (fields.size() < 20 || fields[0].size() != 1) return std::nullopt;
  st.state = fields[0][0];
  auto start = parse_number(fields[19]);
  if (!start || *start < 0) return std::nullopt;
  st.start_time = *start;
  return st;
}

Probe parse_probe(std::string_view output) {
  Probe p;
  while (!output.empty()) {
    size_t nl = output.find('\n');
    std::string_view line = output.substr(0, nl);
    output.remove_prefix(nl == std::string_view::npos ? output.size() : nl + 1);
    if (line.rfind("pidfile=", 0) == 0) {
      p.pidfile_present = true;
      p.pidfile_text = std::string(line.substr(8));
      auto pid = parse_number(trim(line.substr(8)));
      p.pid = (pid && *pid > 0 && *pid <= 0x7fffffff) ? static_cast<int>(*pid) : 0;
    } else if (line.rfind("stat=", 0) == 0) {
      p.stat = parse_proc_stat(line.substr(5));
    } else if (line.rfind("cmdline=", 0) == 0) {
      p.cmdline = std::string(trim(line.substr(8)));
    }
  }
  // A stat for another pid than the pidfile's cannot happen with probe_command; treat
  // it as unreadable rather than act on it.
  if (p.stat && p.stat->pid != p.pid) p.stat.reset();
  return p;
}

ProcessState classify(const Probe& probe, std::string_view expect) {
  if (!probe.pidfile_present) return ProcessState::NoPidfile;
  if (probe.pid <= 0) return ProcessState::BadPidfile;
  if (!alive(probe.stat)) return ProcessState::Gone;
  // An empty expect would match everything; the constructor forbids it, and here it
  // counts as "not ours" so nothing is ever signalled on its strength.
  if (expect.empty() || probe.cmdline.find(expect) == std::string::npos) {
    return ProcessState::Foreign;
  }
  return probe.stat->state == 'T' ? ProcessState::Stopped : ProcessState::Running;
}

const char* to_string(ProcessState state) {
  switch (state) {
    case ProcessState::NoPidfile: return "no pidfile";
    case ProcessState::BadPidfile: return "pidfile holds no pid";
    case ProcessState::Gone: return "not running";
    case ProcessState::Foreign: return "stale pidfile";
    case ProcessState::Running: return "running";
    case ProcessState::Stopped: return "stopped";
  }
  return "?";
}

std::string probe_command(const std::string& pidfile) {
  // Reads stat BEFORE cmdline: if the pid is reused in between, the cmdline is the new
  // process's, so a reuse can only make us refuse (Foreign), and signal_command's start
  // time check refuses the other way round. The pid is digits-only before it is used.
  return "f=" + control::shell_quote(pidfile) +
         "; if [ -e \"$f\" ]; then"
         " p=$(head -n 1 -- \"$f\" 2>/dev/null | tr -d ' \\t\\r');"
         " printf 'pidfile=%s\\n' \"$p\";"
         " case $p in ''|*[!0-9]*) exit 0;; esac;"
         " if s=$(tr '\\n' ' ' 2>/dev/null </proc/$p/stat); then printf 'stat=%s\\n' \"$s\"; fi;"
         " if c=$(tr '\\0\\n' '  ' 2>/dev/null </proc/$p/cmdline); then"
         " printf 'cmdline=%s\\n' \"$c\"; fi;"
         " else echo nopidfile; fi; exit 0";
}

std::string stat_command(int pid) {
  return "cat /proc/" + std::to_string(pid) + "/stat 2>/dev/null; exit 0";
}

std::string signal_command(int pid, long long start_time, const std::string& signal_name) {
  const std::string p = std::to_string(pid);
  // Field 22 of stat is word 20 after the last ')' (comm may hold spaces). The check
  // and the kill run in one shell on the node, so the window for pid reuse is the
  // few microseconds between them, not an SSH round trip.
  return "s=$(cat /proc/" + p + "/stat 2>/dev/null); s=${s##*)}; set -f; set -- $s;"
         " if [ \"${20}\" = " + control::shell_quote(std::to_string(start_time)) +
         " ]; then kill -s " + control::shell_quote(signal_name) + " " + p +
         " && echo sent; else echo gone; fi";
}

std::string crash_loop_command(const ProcessSpec& spec, const std::vector<int64_t>& gaps_ms) {
  std::string gaps;
  for (int64_t g : gaps_ms) {
    std::string frac = std::to_string(g % 1000);
    frac.insert(0, 3 - frac.size(), '0');
    gaps += " " + std::to_string(g / 1000) + "." + frac;
  }
  const int64_t polls = std::max<int64_t>(1, spec.start_wait_ms / 5);
  // alive PID: /proc/PID/stat exists and its state (the word after the last ')') is
  // not zombie or dead. ours: the pidfile holds digits naming a live process whose
  // cmdline contains the expected text; it sets $p. The check and the kill run in one
  // shell, microseconds apart, as in signal_command.
  return "pf=" + control::shell_quote(spec.pidfile) + "; ex=" + control::shell_quote(spec.expect) +
         "; n=0; late=0; p=;" +
         R"( alive() { s=$(cat /proc/$1/stat 2>/dev/null) || return 1; s=${s##*)}; set -f; set -- $s;)"
         R"( [ "$1" != Z ] && [ "$1" != X ]; };)"
         R"( ours() { p=$(head -n 1 -- "$pf" 2>/dev/null | tr -d ' \t\r');)"
         R"( case $p in ''|*[!0-9]*) return 1;; esac;)"
         R"( alive "$p" && tr '\0' ' ' </proc/$p/cmdline 2>/dev/null | grep -qF -- "$ex"; };)"
         " for g in" + gaps + "; do" +
         R"( old=; if ours; then old=$p; kill -s KILL "$p" 2>/dev/null;)"
         R"( while alive "$old"; do sleep 0.002; done; fi;)"
         // A subshell: start_command ends in '&', and its child must not be ours to reap.
         " ( " + spec.start_command + "\n) </dev/null >/dev/null 2>&1;" +
         R"( i=0; until ours && [ "$p" != "$old" ]; do i=$((i + 1));)"
         " if [ $i -gt " + std::to_string(polls) + " ]; then late=$((late + 1)); break; fi;" +
         R"( sleep 0.005; done;)"
         R"( n=$((n + 1)); sleep "$g"; done;)"
         R"( ours; printf 'restarts=%s\npid=%s\nlate=%s\n' "$n" "$p" "$late")";
}

const char* to_string(ProcessAction action) {
  switch (action) {
    case ProcessAction::Killed: return "killed";
    case ProcessAction::AlreadyDead: return "already dead";
    case ProcessAction::Started: return "started";
    case ProcessAction::AlreadyRunning: return "already running";
    case ProcessAction::Paused: return "paused";
    case ProcessAction::AlreadyPaused: return "already paused";
    case ProcessAction::Resumed: return "resumed";
    case ProcessAction::NotPaused: return "not paused";
    case ProcessAction::NotRunning: return "not running";
    case ProcessAction::CrashLooped: return "crash looped";
  }
  return "?";
}

std::string describe(const NodeOutcome& o) {
  std::string s = o.node + ": " + to_string(o.action);
  if (o.pid > 0) s += " pid " + std::to_string(o.pid);
  if (o.signal != 0) s += std::string(" (") + signal_label(o.signal) + ")";
  if (!o.note.empty()) s += " (" + o.note + ")";
  if (o.action == ProcessAction::CrashLooped) s += " (" + std::to_string(o.restarts) + " restarts)";
  return s;
}

// ---- ProcessFaults -----------------------------------------------------------------

ProcessFaults::ProcessFaults(control::Pool& pool, ProcessSpec spec)
    : pool_(pool), spec_(std::move(spec)) {}

base::Result<Probe> ProcessFaults::probe(const NodeName& node) {
  auto r = pool_.exec(node, probe_command(spec_.pidfile), spec_.command_timeout_ms);
  if (!r.ok()) return r.error();
  if (r->exit_status != 0) {
    return base::Error{where(node) + ": reading pidfile " + spec_.pidfile + " failed (exit " +
                       std::to_string(r->exit_status) + "): " + r->err};
  }
  return parse_probe(r->out);
}

base::Result<std::optional<ProcStat>> ProcessFaults::stat_of(const NodeName& node, int pid) {
  auto r = pool_.exec(node, stat_command(pid), spec_.command_timeout_ms);
  if (!r.ok()) return r.error();
  if (r->exit_status != 0) {
    return base::Error{where(node) + ": reading /proc/" + std::to_string(pid) + "/stat failed (exit " +
                       std::to_string(r->exit_status) + "): " + r->err};
  }
  if (r->out.empty()) return std::optional<ProcStat>{};
  auto st = parse_proc_stat(r->out);
  if (!st || st->pid != pid) {
    return base::Error{where(node) + ": unreadable /proc/" + std::to_string(pid) + "/stat: " + r->out};
  }
  return std::optional<ProcStat>(*st);
}

template <class Fn>
NodeOutcomes ProcessFaults::for_nodes(const std::vector<NodeName>& nodes, Fn one_fn) {
  return per_node<NodeOutcome>(pool_, nodes,
                               [&](const NodeName& node) { return record((this->*one_fn)(node)); });
}

base::Result<NodeOutcome> ProcessFaults::kill_one(const NodeName& node) {
  auto p = probe(node);
  if (!p.ok()) return p.error();
  NodeOutcome o{node, ProcessAction::AlreadyDead, 0, 0, ""};
  const ProcessState state = classify(*p, spec_.expect);
  if (auto settled = unless_target_alive(state, node, spec_, *p, o)) return std::move(*settled);
  const int pid = p->pid;
  const long long start = p->stat->start_time;
  auto r = pool_.exec(node, signal_command(pid, start, "KILL"), spec_.command_timeout_ms);
  if (!r.ok()) return r.error();
  if (r->out == "gone\n") {
    o.note = "exited before the signal";
    return o;
  }
  if (r->exit_status != 0 || r->out != "sent\n") {
    return base::Error{where(node) + ": kill -KILL " + std::to_string(pid) + " failed: " + r->err};
  }
  o.pid = pid;
  o.signal = SIGKILL;
  o.action = ProcessAction::Killed;
  const auto deadline = Clock::now() + std::chrono::milliseconds(spec_.kill_wait_ms);
  for (;;) {
    // /proc/<pid> itself, not the pidfile: a supervisor may already have rewritten it.
    auto q = stat_of(node, pid);
    if (!q.ok()) return q.error();
    if (!same_process(*q, start)) return o;
    if (Clock::now() >= deadline) {
      return base::Error{where(node) + ": pid " + std::to_string(pid) + " still alive " +
                         std::to_string(spec_.kill_wait_ms) + " ms after SIGKILL"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(spec_.poll_ms));
  }
}

base::Result<NodeOutcome> ProcessFaults::restart_one(const NodeName& node) {
  auto p = probe(node);
  if (!p.ok()) return p.error();
  const ProcessState state = classify(*p, spec_.expect);
  if (state == ProcessState::Running || state == ProcessState::Stopped) {
    return NodeOutcome{node, ProcessAction::AlreadyRunning, p->pid, 0,
                       state == ProcessState::Stopped ? "stopped" : ""};
  }
  NodeOutcome o{node, ProcessAction::Started, 0, 0, ""};
  if (state == ProcessState::Foreign) {
    o.note = "stale pidfile named pid " + std::to_string(p->pid);
  }
  auto r = pool_.exec(node, spec_.start_command, spec_.command_timeout_ms);
  if (!r.ok()) return r.error();
  if (r->exit_status != 0) {
    return base::Error{where(node) + ": start command exited " + std::to_string(r->exit_status) +
                       ": " + r->err};
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(spec_.start_wait_ms);
  for (;;) {
    auto q = probe(node);
    if (!q.ok()) return q.error();
    const ProcessState now = classify(*q, spec_.expect);
    if (now == ProcessState::Running || now == ProcessState::Stopped) {
      o.pid = q->pid;
      return o;
    }
    if (Clock::now() >= deadline) {
      return base::Error{where(node) + ": " + std::to_string(spec_.start_wait_ms) +
                         " ms after the start command, pidfile " + spec_.pidfile + " shows " +
                         to_string(now) + (q->cmdline.empty() ? "" : " (cmdline: " + q->cmdline + ")")};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(spec_.poll_ms));
  }
}

namespace {

struct StopContSpec {
  const char* name;  // for kill -s
  int signal;
  char want_state;   // 'T' after STOP
  bool want_equal;   // STOP: state == T; CONT: state != T
};

// Shared by pause and resume: probe, check, signal, wait for the state.
base::Result<NodeOutcome> stop_or_cont(control::Pool& pool, const ProcessSpec& spec,
                                              const NodeName& node, const StopContSpec& how,
                                              const std::function<base::Result<Probe>()>& probe,
                                              const std::function<base::Result<std::optional<ProcStat>>(int)>& stat) {
  auto p = probe();
  if (!p.ok()) return p.error();
  const ProcessState state = classify(*p, spec.expect);
  NodeOutcome o{node, ProcessAction::NotRunning, 0, 0, ""};
  if (auto settled = unless_target_alive(state, node, spec, *p, o)) return std::move(*settled);
  const int pid = p->pid;
  const long long start = p->stat->start_time;
  o.pid = pid;
  const bool is_stop = how.signal == SIGSTOP;
  if (is_stop && state == ProcessState::Stopped) {
    o.action = ProcessAction::AlreadyPaused;
    return o;
  }
  if (!is_stop && state == ProcessState::Running) {
    o.action = ProcessAction::NotPaused;
    return o;
  }
  auto r = pool.exec(node, signal_command(pid, start, how.name), spec.command_timeout_ms);
  if (!r.ok()) return r.error();
  if (r->out == "gone\n") {
    o.pid = 0;
    o.note = "exited before the signal";
    return o;
  }
  if (r->exit_status != 0 || r->out != "sent\n") {
    return base::Error{where(node) + ": kill -" + how.name + " " + std::to_string(pid) +
                       " failed: " + r->err};
  }
  o.signal = how.signal;
  o.action = is_stop ? ProcessAction::Paused : ProcessAction::Resumed;
  const auto deadline = Clock::now() + std::chrono::milliseconds(spec.state_wait_ms);
  for (;;) {
    auto q = stat(pid);
    if (!q.ok()) return q.error();
    if (!same_process(*q, start)) {
      return base::Error{where(node) + ": pid " + std::to_string(pid) + " died after SIG" +
                         how.name};
    }
    if (((*q)->state == how.want_state) == how.want_equal) return o;
    if (Clock::now() >= deadline) {
      return base::Error{where(node) + ": pid " + std::to_string(pid) + " still in state " +
                         std::string(1, (*q)->state) + " " +
                         std::to_string(spec.state_wait_ms) + " ms after SIG" + how.name};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(spec.poll_ms));
  }
}

}  // namespace

base::Result<NodeOutcome> ProcessFaults::pause_one(const NodeName& node) {
  return stop_or_cont(pool_, spec_, node, {"STOP", SIGSTOP, 'T', true},
                      [&] { return probe(node); }, [&](int pid) { return stat_of(node, pid); });
}

base::Result<NodeOutcome> ProcessFaults::resume_one(const NodeName& node) {
  return stop_or_cont(pool_, spec_, node, {"CONT", SIGCONT, 'T', false},
                      [&] { return probe(node); }, [&](int pid) { return stat_of(node, pid); });
}

base::Result<NodeOutcome> ProcessFaults::heal_one(const NodeName& node) {
  auto p = probe(node);
  if (!p.ok()) return p.error();
  if (classify(*p, spec_.expect) == ProcessState::Stopped) return resume_one(node);
  return restart_one(node);
}

void ProcessFaults::record_state_in(std::filesystem::path path) { state_path_ = std::move(path); }

base::Result<NodeOutcome> ProcessFaults::record(base::Result<NodeOutcome> outcome) {
  if (state_path_.empty() || !outcome.ok()) return outcome;
  const NodeOutcome& o = *outcome;
  std::function<void(NemesisState&)> change;
  switch (o.action) {
    case ProcessAction::Killed:
      change = [&](NemesisState& s) {
        add_killed(s, o.node);
        clear_paused(s, o.node);  // a killed process is no longer paused
      };
      break;
    case ProcessAction::Started:
    case ProcessAction::CrashLooped:  // it ends with a start of its own
      change = [&](NemesisState& s) {
        remove_killed(s, o.node);
        clear_paused(s, o.node);
      };
      break;
    case ProcessAction::Paused:
    case ProcessAction::AlreadyPaused:
      change = [&](NemesisState& s) { add_paused(s, o.node, o.pid); };
      break;
    case ProcessAction::Resumed:
    case ProcessAction::NotPaused:
      change = [&](NemesisState& s) { remove_paused(s, o.node, o.pid); };
      break;
    case ProcessAction::AlreadyDead:
    case ProcessAction::AlreadyRunning:
    case ProcessAction::NotRunning:
      return outcome;  // nothing changed on the node
  }
  std::lock_guard<std::mutex> lock(state_mu_);
  auto st = update_state(state_path_, [&](NemesisState& s) {
    // How to find and restart the target, for a heal after a controller crash.
    s.process = ProcessRecord{spec_.pidfile, spec_.start_command, spec_.expect};
    change(s);
  });
  if (!st.ok()) {
    // describe() starts with "<node>: "; the error starts with "node <node>: ".
    return base::Error{where(o.node) + ": " + describe(o).substr(o.node.size() + 2) +
                       ", but recording it failed: " +
                       st.error().message};
  }
  return outcome;
}

NodeOutcomes ProcessFaults::kill(const std::vector<NodeName>& nodes) {
  return for_nodes(nodes, &ProcessFaults::kill_one);
}
NodeOutcomes ProcessFaults::restart(const std::vector<NodeName>& nodes) {
  return for_nodes(nodes, &ProcessFaults::restart_one);
}
NodeOutcomes ProcessFaults::pause(const std::vector<NodeName>& nodes) {
  return for_nodes(nodes, &ProcessFaults::pause_one);
}
NodeOutcomes ProcessFaults::resume(const std::vector<NodeName>& nodes) {
  return for_nodes(nodes, &ProcessFaults::resume_one);
}
NodeOutcomes ProcessFaults::crash_loop(const CrashLoop& loop) {
  std::vector<NodeName> nodes;
  for (const auto& [node, gaps] : loop.gaps_ms) nodes.push_back(node);
  return per_node<NodeOutcome>(pool_, nodes, [&](const NodeName& node) -> base::Result<NodeOutcome> {
    const auto& gaps = loop.gaps_ms.at(node);
    int64_t total = 0;
    for (int64_t g : gaps) {
      if (g <= 0) return base::Error{where(node) + ": a crash loop's gaps must be positive"};
      total += g + spec_.start_wait_ms;
    }
    auto r = pool_.exec(node, crash_loop_command(spec_, gaps), total + spec_.command_timeout_ms);
    if (!r.ok()) return r.error();
    if (r->exit_status != 0) {
      return base::Error{where(node) + ": crash loop exited " + std::to_string(r->exit_status) + ": " +
                         r->err};
    }
    NodeOutcome o{node, ProcessAction::CrashLooped, 0, SIGKILL, "", 0};
    long long late = 0;
    for (std::string_view rest = r->out; !rest.empty();) {
      const size_t nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      if (line.rfind("restarts=", 0) == 0) o.restarts = static_cast<int>(parse_number(trim(line.substr(9))).value_or(0));
      if (line.rfind("pid=", 0) == 0) o.pid = static_cast<int>(parse_number(trim(line.substr(4))).value_or(0));
      if (line.rfind("late=", 0) == 0) late = parse_number(trim(line.substr(5))).value_or(0);
    }
    if (late > 0) o.note = std::to_string(late) + " starts not up within " + std::to_string(spec_.start_wait_ms) + " ms";
    return o;
  });
}

NodeOutcomes ProcessFaults::heal() {
  std::vector<NodeName> all;
  for (const auto& n : pool_.nodes()) all.push_back(n.name);
  return for_nodes(all, &ProcessFaults::heal_one);
}

}  // namespace faultline::nemesis
