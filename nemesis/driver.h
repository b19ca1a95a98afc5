#pragma once
// Driver: runs a nemesis schedule (make_schedule) in real time against the nodes,
// through a FaultBackend, and writes every fault as two history ops of the process
// "nemesis" (type info): one when it is requested (value {"requested": ...}) and one
// when it was applied (value {"applied": ...}, plus "error" if a node failed). Time
// comes from an injected base::Clock: tests drive step() on a FakeClock; start() runs
// the same steps on a thread of its own. stop() ends the schedule, heal() undoes
// everything. step() and the thread must not run at once; stop() and heal() are for
// the thread that owns the Driver; the sink is called from whichever thread steps.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "history/op.h"
#include "nemesis/backend.h"
#include "nemesis/faults.h"
#include "nemesis/schedule.h"

namespace faultline::nemesis {

// Where nemesis ops go (a history writer, in the end).
using OpSink = std::function<void(history::Op)>;
// Asks the target who leads now; nullopt if nobody does or it cannot tell.
using LeaderFn = std::function<std::optional<NodeName>()>;

// The partition topologies, as --nemesis-topologies spells them.
inline const std::vector<std::string> kTopologies = {
    "halves", "random-halves", "isolate", "isolate-leader",
    "majorities-ring", "bridge", "minority-third"};
// "halves,isolate" -> names; errors name the unknown word.
base::Result<std::vector<std::string>> parse_topologies(std::string_view list);

struct DriverOptions {
  ScheduleOptions schedule;                   // kinds, interval, duration, seed
  std::vector<std::string> topologies = kTopologies;  // a partition picks one at random
  TargetSet targets = TargetSet::One;         // kill, pause, loss, delay and clock targets
  double loss_probability = 0.5;
  // A delay (kind delay) holds every packet from the other nodes into each target for
  // delay ± jitter ms, with a seed for the jitter drawn from the schedule's.
  int64_t delay_ms = 40;
  int64_t delay_jitter_ms = 30;
  int64_t clock_max_delta_ms = 60'000;        // bumps are ±[max/10, max]
  // The share of clock faults that freeze: the targets' clocks stand still (no step)
  // from the start of the fault until its stop resets them (ClockSkew::freeze).
  double clock_freeze_share = 0.2;
  // The share of the other clock faults that strobe instead of bump: the offset flips
  // between ±delta and 0 every [100, 1000] ms for min(interval, 10 s), then rests at 0.
  // A strobe holds the driver for its duration (the backend's strobe blocks).
  double clock_strobe_share = 0.3;
  // A crash loop (kind crash-loop) kills and restarts each target's process on the
  // node itself, with gaps drawn from [min, max] ms, for min(interval, 10 s); like a
  // strobe it holds the driver that long. Its stop restarts any target still down.
  int64_t crash_loop_min_gap_ms = 50;
  int64_t crash_loop_max_gap_ms = 500;
  int64_t heal_timeout_ms = 30'000;
};

// "bump,strobe,freeze" (any non-empty subset, --clock-faults) -> the clock shares of
// `options`: each named flavour gets an equal share of the clock faults, an unnamed one
// none. Errors name the unknown word; `options` is unchanged then.
base::Status set_clock_faults(DriverOptions& options, std::string_view list);

class Driver {
 public:
  // `nodes`: the cluster's node names, sorted. `backend` and `clock` must outlive the
  // driver. The run's time origin is clock.now_ns() now: the schedule's times and the
  // ops' times count from it.
  Driver(FaultBackend& backend, std::vector<NodeName> nodes, DriverOptions options,
         const base::Clock& clock, OpSink sink, LeaderFn leader = {});
  ~Driver();  // stop()s
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  const std::vector<ScheduledFault>& schedule() const { return schedule_; }

  // Runs every scheduled fault that is due (at_ms <= now) and not yet run, in order.
  // Returns how many ran; 0 once stopped.
  int step();
  // The clock time (ns) the next fault is due at; nullopt when none is left or stopped.
  std::optional<int64_t> next_due_ns() const;

  // A thread that step()s whenever a fault is due until the schedule ends or stop().
  void start();
  // Ends the schedule: no fault starts after this returns (one in progress finishes
  // first). Joins the thread. Idempotent.
  void stop();
  // Undoes everything (backend.heal with options.heal_timeout_ms), writing a "heal"
  // requested op and an applied op. Call after stop(). The result is the applied op's
  // error, if any.
  base::Status heal();

 private:
  void run(const ScheduledFault& fault);
  void start_fault(FaultKind kind);
  void stop_fault(FaultKind kind);
  // Writes the applied op of `f` from `applied`.
  void write_applied(const std::string& f, const Applied& applied);
  void write(const std::string& f, history::Value value, const std::string& error = {});
  // The nodes a kill/pause/loss/delay/clock hits; `note` says so when a leader was wanted
  // but none was known.
  std::vector<NodeName> targets(std::string& note);
  NodeName leader_or_random(std::string& note);
  base::Result<Partition> topology(const std::string& name, std::string& note);

  FaultBackend& backend_;
  std::vector<NodeName> nodes_;
  DriverOptions options_;
  const base::Clock& clock_;
  OpSink sink_;
  LeaderFn leader_;
  base::Random random_;
  int64_t origin_ns_;
  std::vector<ScheduledFault> schedule_;
  size_t next_ = 0;  // index in schedule_ of the next fault to run

  // What the stop of each kind undoes.
  std::vector<NodeName> killed_, paused_, skewed_, crash_looped_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopped_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace faultline::nemesis
