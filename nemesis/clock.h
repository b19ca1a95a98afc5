#pragma once
// Clock faults on local-cluster nodes (the ClockSkew spec of nemesis/faults.h) with
// libfaketime. Local nodes share the host's clock, so the clock cannot be stepped;
// instead a node's target runs under LD_PRELOAD=libfaketime.so.1 with
// FAKETIME_TIMESTAMP_FILE naming a per-node offset file (by convention
// /opt/faultline/clock/offset, which is private to each node), and a clock fault
// rewrites that file. Only processes started with faketime_env() see the offset; the
// host's clock and every other process on the node stay real. The monotonic clock is
// never faked (FAKETIME_DONT_FAKE_MONOTONIC=1): timeouts and the history's times stay
// real, only CLOCK_REALTIME (time, gettimeofday, clock_gettime(REALTIME)) moves.
//
// libfaketime facts this relies on (Debian 12, libfaketime 0.9.10; checked by hand and
// by tests/e2e/nemesis_clock_e2e_test.cpp):
// - The file holds one spec like "+60.000s", "-0.250s" or "+0" (relative offsets;
//   fractions work). A missing file falls back to ~/.faketimerc, /etc/faketimerc, then
//   real time, so reset() before starting a target makes the starting offset explicit.
// - An absolute spec (no sign) FREEZES the clock at that time. With FAKETIME_FMT=%s
//   (set by faketime_env) it is whole epoch seconds, "1718000000", so the writer and
//   the target need not agree on a time zone. Rate specs ("+0 x0.2") are not used:
//   libfaketime applies a rate from the process's start (a rate set mid-run steps the
//   clock by minutes), scales sleeps too, and a rate once set was not undone by a later
//   "+0" (measured with 0.9.10).
// - A running process re-reads the file when the real time's SECOND has advanced by
//   more than FAKETIME_CACHE_DURATION (an integer; default 10). We set 0: a change is
//   seen at the first clock call in the next real second (measured 0.7-0.9 s on
//   average; with 1 it is 1.5-2 s). A busy target (one that reads the clock every few
//   ms) re-reads right after each second boundary, so a file written just before a
//   boundary takes effect at the boundary (offset_freeze_command relies on this). FAKETIME_NO_CACHE=1
//   would be instant but reads the file on EVERY clock call (about 2.6 us instead of
//   0.2 us per clock_gettime), which would slow a target's hot path.
// - A new process reads the file at its first clock call, so measure() (a fresh faked
//   `date` per call) sees a change at once.
// - Not everything is faked: bash's own clock builtins (printf '%(%s)T', $EPOCHSECONDS,
//   $EPOCHREALTIME) read the real time under LD_PRELOAD, while date(1), perl and C/C++
//   programs are faked. With FAKETIME_DONT_FAKE_MONOTONIC=1, an ABSOLUTE
//   clock_nanosleep on CLOCK_MONOTONIC fails with EINVAL (Python's time.sleep does
//   this); relative sleeps (nanosleep, std::this_thread::sleep_for) work.
// - The file is replaced with write-then-rename, so a reader never sees it half written.
//
// FaketimeClock keeps no state of its own (the files on the nodes are the state), so it
// is safe to call from several threads for DIFFERENT nodes. The pure helpers are
// thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "harness/control/ssh.h"
#include "nemesis/faults.h"

namespace faultline::nemesis {

namespace control = harness::control;

inline constexpr const char* kFaketimeLibrary =
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
inline constexpr const char* kDefaultOffsetFile = "/opt/faultline/clock/offset";

// ---- Pure helpers (unit-tested) --------------------------------------------------

// The environment assignments ("NAME=value", unquoted) under which a target reads the
// offset in `offset_file`: LD_PRELOAD, FAKETIME_TIMESTAMP_FILE,
// FAKETIME_DONT_FAKE_MONOTONIC=1, FAKETIME_CACHE_DURATION=0, FAKETIME_FMT=%s (absolute
// specs, i.e. freezes, in epoch seconds). A deploy recipe passes them
// through `env` (faketime_command does): shell_quote would quote a NAME=value word,
// and sh does not take a quoted word as an assignment.
std::vector<std::string> faketime_env(const std::string& offset_file,
                                      const std::string& library = kFaketimeLibrary);

// sh command that runs argv under libfaketime with the offset in `offset_file`:
// `env LD_PRELOAD=... FAKETIME_...=... argv...`, every word shell-quoted.
std::string faketime_command(const std::string& offset_file, const std::vector<std::string>& argv,
                             const std::string& library = kFaketimeLibrary);

// The libfaketime spec for an offset of delta_ms: "+60.000s", "-0.250s", "+0" for 0.
std::string faketime_spec(int64_t delta_ms);

// sh command that writes `spec` to `offset_file` atomically (creating its folder,
// writing <file>.tmp.<pid> and renaming it over the file) and then prints
// `applied=<the file's first line>`. Exits non-zero if any step fails.
std::string offset_write_command(const std::string& offset_file, const std::string& spec);

// sh command that strobes the offset file: writes `spec`, then "+0", then `spec`, ...
// every period_ms (with write-then-rename each time) until duration_ms have passed on
// the node's real clock, then leaves "+0" and prints `flips=<writes made>` and
// `applied=<the file's first line>`. Both times must be positive.
std::string offset_strobe_command(const std::string& offset_file, const std::string& spec,
                                  int64_t period_ms, int64_t duration_ms);

// sh command that freezes the clock of processes reading `offset_file`: it waits until
// about 50 ms before the node's next real second boundary B, then writes the absolute
// spec B + delta (whole epoch seconds; delta_ms is rounded to the nearest second) with
// write-then-rename, and prints `applied=<the file's first line>`. A running target
// re-reads the file right after B, so its clock stops at about B + delta with no step
// of its own (a target that missed B sees it one second later, which steps it back by
// up to that second); fresh processes see it at once. Blocks up to about a second.
std::string offset_freeze_command(const std::string& offset_file, int64_t delta_ms);

// True if `spec` (an offset file's first line) is a freeze: whole epoch seconds, no
// sign.
bool is_freeze_spec(std::string_view spec);

// sh command that prints `spec=<the offset file's first line>` (empty if there is no
// file) and then `now=<ns>`, the node's CLOCK_REALTIME as a faked `date +%s%N` reads it
// through the same file.
std::string offset_measure_command(const std::string& offset_file,
                                   const std::string& library = kFaketimeLibrary);

// What one measurement saw on a node.
struct ClockReading {
  NodeName node;
  std::string spec;            // the offset file's content as read ("" if none)
  int64_t offset_ms = 0;       // the node's faked realtime minus the controller's
  int64_t uncertainty_ms = 0;  // half the round trip: the true offset is within ±this
  bool operator==(const ClockReading&) const = default;
};

// Parses offset_measure_command's output against the controller's CLOCK_REALTIME in ns
// taken right before and right after the command (the node's reading is compared with
// their midpoint). An error (naming the node) if there is no `now=` line.
base::Result<ClockReading> parse_measurement(const NodeName& node, const std::string& output,
                                             int64_t before_ns, int64_t after_ns);

// What a bump or reset did on one node: the history records this.
struct ClockOutcome {
  NodeName node;
  int64_t delta_ms = 0;  // the offset asked for
  std::string spec;      // what was written to the offset file
  ClockReading measured; // what a faked process on the node saw right after
  int64_t flips = 0;     // strobe only: how many times the offset was written
  bool frozen = false;   // freeze: the clock stands still at `spec`
  bool operator==(const ClockOutcome&) const = default;
};
// "n2: clock offset +60.000s (measured +60004 ms ±3)"; a strobe adds ", after 10 flips";
// a freeze reads "n2: clock frozen at 1718000000 (measured ...)".
std::string describe(const ClockOutcome& outcome);
std::string describe(const ClockReading& reading);

// Per node, in the order asked: an outcome, or an error whose message names the node.
using ClockOutcomes = std::vector<base::Result<ClockOutcome>>;
using ClockReadings = std::vector<base::Result<ClockReading>>;

// ---- The faults -------------------------------------------------------------------

// What a clock backend does to the nodes: FaketimeClock (local nodes) and
// SettimeClock (VMs, nemesis/settime_clock.h). Each call works on its nodes in
// parallel and gives one outcome per distinct node, in the order asked.
class ClockFaults {
 public:
  virtual ~ClockFaults() = default;
  // Each node in skew.delta_ms runs delta ms off the controller, then is measured. A
  // spec with a strobe period is refused (use strobe()).
  virtual ClockOutcomes bump(const ClockSkew& skew) = 0;
  // Each node back in step with the controller, then measured.
  virtual ClockOutcomes reset(const std::vector<NodeName>& nodes) = 0;
  // Flips each node between +delta and in step every period for the duration; blocks
  // until done and leaves the node in step (outcome delta 0, with the flip count).
  virtual ClockOutcomes strobe(const ClockSkew& skew) = 0;
  // Each node in skew.delta_ms: its clock steps by delta and then stands still until
  // reset() (skew.freeze must be set; a strobe period is refused). This default
  // refuses every node: a backend that cannot hold a clock still says so.
  virtual ClockOutcomes freeze(const ClockSkew& skew);
  // The offset of each node's clock from the controller's, as a target would see it.
  virtual ClockReadings measure(const std::vector<NodeName>& nodes) = 0;
  // The backend's name as --clock-backend and NodeSpec::clock spell it.
  virtual const char* name() const = 0;

  int64_t command_timeout_ms = 10'000;  // each SSH command
};

// For backends: the error outcomes (one per node of the skew) when `skew` cannot be a
// bump (it has a strobe period or is a freeze), a strobe (period or duration not > 0,
// or a freeze) or a freeze (freeze not set, or a strobe period); nullopt when it can.
std::optional<ClockOutcomes> refuse_as_bump(const ClockSkew& skew);
std::optional<ClockOutcomes> refuse_as_strobe(const ClockSkew& skew);
std::optional<ClockOutcomes> refuse_as_freeze(const ClockSkew& skew);
// For backends: the nodes of skew.delta_ms, in name order.
std::vector<NodeName> skewed_nodes(const ClockSkew& skew);
// For backends: the controller's CLOCK_REALTIME in ns.
int64_t controller_realtime_ns();
// For backends: runs `command` on `node` (it prints `now=<node realtime ns>` and
// perhaps `spec=`), timed with the controller's realtime clock, and parses it with
// parse_measurement. Errors name the node.
base::Result<ClockReading> measure_on(control::Pool& pool, const NodeName& node,
                                      const std::string& command, int64_t timeout_ms);

class FaketimeClock final : public ClockFaults {
 public:
  // `pool` must outlive this object.
  explicit FaketimeClock(control::Pool& pool, std::string offset_file = kDefaultOffsetFile,
                         std::string library = kFaketimeLibrary);

  // Writes faketime_spec(delta) to the offset file of every node in skew.delta_ms (in
  // parallel), then measures it there. A spec with a strobe period is refused (use
  // strobe()).
  ClockOutcomes bump(const ClockSkew& skew) override;
  // Offset +0 on each node, then measures. Also the way to create the offset file
  // before a target starts.
  ClockOutcomes reset(const std::vector<NodeName>& nodes) override;
  // On every node in skew.delta_ms (in parallel): flips the offset between +delta and
  // +0 every strobe_period_ms for strobe_duration_ms, with one SSH command per node
  // that runs the loop on the node and blocks until it ends; the node is left at +0
  // and measured. Outcomes have delta_ms 0, spec "+0" and the number of flips.
  // A long-running target sees the file only once a second (FAKETIME_CACHE_DURATION=0),
  // so a period under 1 s reaches it as a sampled, irregular strobe; new processes see
  // every flip. Errors for a period or duration <= 0. The call holds each strobed
  // node's session in the Pool until the loop ends, so other commands through the same
  // Pool on those nodes wait for it; give the strobe its own Pool if they must not.
  ClockOutcomes strobe(const ClockSkew& skew) override;
  // On every node in skew.delta_ms (in parallel): offset_freeze_command, then
  // measures. Outcomes carry delta_ms, the absolute spec written and frozen = true.
  // Takes up to about a second (it waits for a second boundary).
  ClockOutcomes freeze(const ClockSkew& skew) override;
  // Per node: the offset a freshly started faked process sees (see ClockReading).
  ClockReadings measure(const std::vector<NodeName>& nodes) override;
  const char* name() const override { return "faketime"; }

  const std::string& offset_file() const { return offset_file_; }
  const std::string& library() const { return library_; }

 private:
  base::Result<ClockOutcome> set_one(const NodeName& node, int64_t delta_ms);
  base::Result<ClockOutcome> freeze_one(const NodeName& node, int64_t delta_ms);
  base::Result<ClockOutcome> strobe_one(const NodeName& node, int64_t delta_ms,
                                        int64_t period_ms, int64_t duration_ms);
  base::Result<ClockReading> measure_one(const NodeName& node);

  control::Pool& pool_;
  std::string offset_file_;
  std::string library_;
};

}  // namespace faultline::nemesis
