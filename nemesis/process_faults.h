#pragma once
// Process faults on real nodes (the Kill and Pause specs of nemesis/faults.h): SIGKILL
// and restart, SIGSTOP and SIGCONT of the target process on each node, found through
// its pidfile, never by name. Called by the nemesis thread of the runner and by
// `faultline cluster heal`. ProcessFaults remembers no faults (it asks the nodes
// every time), so it is safe to call from several threads for DIFFERENT nodes; two
// concurrent calls on the same node race with each other (updates of the state file,
// if one is set, are serialised inside). The pure helpers below (parsing /proc text,
// building commands) are thread-safe.
//
// Safety rule: a pid read from a pidfile is signalled only if /proc/<pid>/cmdline
// contains ProcessSpec::expect, and the signal command re-checks the process start
// time (field 22 of /proc/<pid>/stat) on the node right before `kill`, so a stale
// pidfile naming a reused pid never gets a signal. Only that one pid is signalled, not
// its children or process group.

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "harness/control/ssh.h"
#include "nemesis/faults.h"

namespace faultline::nemesis {

namespace control = harness::control;

// The target process on every node.
struct ProcessSpec {
  std::string pidfile;        // path on the node; holds the pid in decimal
  // Shell command (run with sh on the node) that starts the process in the background,
  // writes the pidfile and returns at once. It must redirect the process's stdout and
  // stderr (e.g. `>/dev/null 2>&1 &`), or the SSH channel stays open until it times out.
  std::string start_command;
  std::string expect;         // /proc/<pid>/cmdline must contain this (non-empty)
  int64_t command_timeout_ms = 10'000;  // each SSH command
  int64_t kill_wait_ms = 2000;          // after SIGKILL, until /proc/<pid> is gone
  int64_t start_wait_ms = 5000;         // after start_command, until the pidfile is live
  int64_t state_wait_ms = 2000;         // after SIGSTOP/SIGCONT, until the state shows it
  int64_t poll_ms = 20;
};

// ---- Pure helpers (unit-tested) --------------------------------------------------

// The fields of /proc/<pid>/stat that matter here. comm may hold spaces and
// parentheses, so it runs from the first '(' to the LAST ')'.
struct ProcStat {
  int pid = 0;
  std::string comm;
  char state = '?';          // R S D T t Z X ...
  long long start_time = 0;  // field 22, clock ticks since boot
};
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// What the probe command saw on a node.
struct Probe {
  bool pidfile_present = false;
  std::string pidfile_text;   // first line of the pidfile, as read
  int pid = 0;                // 0 if the pidfile did not hold a pid
  std::optional<ProcStat> stat;  // empty: no /proc/<pid> (the process is gone)
  std::string cmdline;        // NULs and newlines turned into spaces
};
// Parses the output of probe_command. Never fails: unknown lines are ignored.
Probe parse_probe(std::string_view output);

enum class ProcessState {
  NoPidfile,   // no pidfile: never started, or cleaned up
  BadPidfile,  // the pidfile does not hold a pid
  Gone,        // the pid is not running (or is a zombie)
  Foreign,     // the pid runs, but it is not our program: a stale pidfile
  Running,     // ours, not stopped
  Stopped,     // ours, state T (SIGSTOP)
};
ProcessState classify(const Probe& probe, std::string_view expect);
const char* to_string(ProcessState state);

// sh command that prints the pidfile's first line, /proc/<pid>/stat and cmdline as
// `pidfile=`, `stat=`, `cmdline=` lines (or `nopidfile`). Read-only.
std::string probe_command(const std::string& pidfile);

// sh command that prints /proc/<pid>/stat, or nothing if there is no such process.
std::string stat_command(int pid);

// sh command that sends SIG<signal_name> ("KILL", "STOP", "CONT") to `pid` only if
// its start time is still `start_time`; prints `sent`, or `gone` if the pid no longer
// names that process. `pid` must be positive.
std::string signal_command(int pid, long long start_time, const std::string& signal_name);

// sh command that runs a crash loop (faults.h CrashLoop) on the node, in the
// foreground: for each gap, SIGKILL the process the pidfile names if it is ours (its
// cmdline contains spec.expect, checked in the same shell right before the kill), wait
// until it is gone, run spec.start_command, wait (up to spec.start_wait_ms) until the
// pidfile names a new live process of ours, then sleep the gap. Prints
// `restarts=<n>`, `pid=<the last pid>` and, if a start did not come up in time,
// `late=<n>`. Gaps must be positive.
std::string crash_loop_command(const ProcessSpec& spec, const std::vector<int64_t>& gaps_ms);

// ---- The faults -------------------------------------------------------------------

enum class ProcessAction {
  Killed,          // SIGKILL sent, and the process is gone
  AlreadyDead,     // kill: nothing to kill
  Started,         // restart: start_command ran and the pidfile names a live process
  AlreadyRunning,  // restart: nothing to do
  Paused,          // SIGSTOP sent, state is T
  AlreadyPaused,   // pause: state was already T, nothing sent
  Resumed,         // SIGCONT sent, state is no longer T
  NotPaused,       // resume: the process was running, nothing sent
  NotRunning,      // pause/resume: no live process, nothing sent
  CrashLooped,     // crash loop: killed and restarted `restarts` times
};
const char* to_string(ProcessAction action);

// What was done on one node: the history records this.
struct NodeOutcome {
  NodeName node;
  ProcessAction action = ProcessAction::NotRunning;
  int pid = 0;       // the process acted on (the new one for Started); 0 if none
  int signal = 0;    // SIGKILL, SIGSTOP or SIGCONT if one was sent, else 0
  std::string note;  // e.g. "stale pidfile: pid 1 is not counter.sh" (may be empty)
  int restarts = 0;  // crash loop: how many kill+start rounds ran
  bool operator==(const NodeOutcome&) const = default;
};
// "n2: killed pid 42 (SIGKILL)", "n1: already dead (no pidfile)",
// "n3: crash looped pid 77 (SIGKILL) (25 restarts)".
std::string describe(const NodeOutcome& outcome);

// Per node, in the order asked: an outcome, or an error whose message names the node.
using NodeOutcomes = std::vector<base::Result<NodeOutcome>>;

class ProcessFaults {
 public:
  // `pool` must outlive this object. spec.expect must not be empty.
  ProcessFaults(control::Pool& pool, ProcessSpec spec);

  // SIGKILL, then waits up to kill_wait_ms for the process to be gone. A node with no
  // live process of ours is AlreadyDead, not an error. A pidfile naming a live process
  // that is not ours (Foreign) is an error and nothing is signalled.
  NodeOutcomes kill(const std::vector<NodeName>& nodes);
  // Runs start_command where our process is not running (Gone, Foreign, no pidfile),
  // then waits up to start_wait_ms for the pidfile to name a live process of ours.
  // A Stopped process counts as running (resume it instead).
  NodeOutcomes restart(const std::vector<NodeName>& nodes);
  // SIGSTOP / SIGCONT with the same checks, then waits up to state_wait_ms for
  // /proc/<pid>/stat to show state T (pause) or not T (resume). No live process is
  // NotRunning, not an error; Foreign is an error.
  NodeOutcomes pause(const std::vector<NodeName>& nodes);
  NodeOutcomes resume(const std::vector<NodeName>& nodes);
  // Runs each node's crash loop (crash_loop_command with its gaps) on all of them in
  // parallel and blocks until every loop ends. Each node's outcome is CrashLooped with
  // the restarts made and the last pid; a start that did not come up in time is noted
  // (the node is then left to restart() or heal()). Holds each node's session for the
  // loop's length, like a clock strobe.
  NodeOutcomes crash_loop(const CrashLoop& loop);
  // On every node of the pool: resumes a stopped process, starts a missing one.
  // Idempotent; it does not know which nodes a nemesis touched, so it also starts the
  // process on a node where it was never started.
  NodeOutcomes heal();

  // From now on, every outcome is also recorded in the nemesis state file at `path`
  // (nemesis/state_file.h): Killed adds the node to `killed`, Started removes it and
  // its paused pids, Paused/AlreadyPaused add the pid to `paused`, Resumed/NotPaused
  // remove it. A failed write turns that node's outcome into an error that still says
  // what was done. Call before any fault, from one thread.
  void record_state_in(std::filesystem::path path);

  const ProcessSpec& spec() const { return spec_; }

 private:
  base::Result<Probe> probe(const NodeName& node);
  // /proc/<pid>/stat on the node; empty if there is no such process.
  base::Result<std::optional<ProcStat>> stat_of(const NodeName& node, int pid);
  base::Result<NodeOutcome> kill_one(const NodeName& node);
  base::Result<NodeOutcome> restart_one(const NodeName& node);
  base::Result<NodeOutcome> pause_one(const NodeName& node);
  base::Result<NodeOutcome> resume_one(const NodeName& node);
  base::Result<NodeOutcome> heal_one(const NodeName& node);
  // Records `outcome` in the state file, if one is set.
  base::Result<NodeOutcome> record(base::Result<NodeOutcome> outcome);
  // Runs one_fn on every node in parallel through the pool.
  template <class Fn>
  NodeOutcomes for_nodes(const std::vector<NodeName>& nodes, Fn one_fn);

  control::Pool& pool_;
  ProcessSpec spec_;
  std::filesystem::path state_path_;  // empty: no state file
  std::mutex state_mu_;               // serialises read-modify-write of the state file
};

}  // namespace faultline::nemesis
