#pragma once
// FaultBackend: what the nemesis driver (nemesis/driver.h) asks of the nodes, one call
// per fault start or stop, each answering with exactly what was applied, as the
// history records it. NodesBackend (nemesis/nodes_backend.h) does it over SSH; tests
// substitute a fake. Called from one thread at a time (the driver's).

#include <cstdint>
#include <string>
#include <vector>

#include "history/op.h"
#include "nemesis/faults.h"

namespace faultline::nemesis {

// The outcome of one fault action: `value` says what was applied (rules, pids,
// measured offsets, per node), `error` is empty when every node did what was asked,
// else one message naming each node that did not (value still shows what the others
// did).
struct Applied {
  history::Value value = history::Value::object();
  std::string error;
  bool ok() const { return error.empty(); }
};

class FaultBackend {
 public:
  virtual ~FaultBackend() = default;
  // Network: each start replaces the previous fault of its kind; a partition and a
  // loss and a delay may be active together. stop_* undoes only its kind.
  virtual Applied start_partition(const Partition& partition) = 0;
  virtual Applied stop_partition() = 0;
  virtual Applied start_loss(const Loss& loss) = 0;
  virtual Applied stop_loss() = 0;
  virtual Applied start_delay(const Delay& delay) = 0;
  virtual Applied stop_delay() = 0;
  // The target process on each node: SIGKILL / restart, SIGSTOP / SIGCONT.
  virtual Applied kill(const std::vector<NodeName>& nodes) = 0;
  virtual Applied restart(const std::vector<NodeName>& nodes) = 0;
  virtual Applied pause(const std::vector<NodeName>& nodes) = 0;
  virtual Applied resume(const std::vector<NodeName>& nodes) = 0;
  // Runs the crash loop on its nodes (all at once) and returns when every loop ended;
  // each node's process is running again unless a start failed (the error says).
  virtual Applied crash_loop(const CrashLoop& loop) = 0;
  // Clocks: bump (or strobe, when skew has a period; or freeze, when skew.freeze), and
  // back in step (and running). The value
  // holds the offsets then measured on EVERY node.
  virtual Applied skew_clocks(const ClockSkew& skew) = 0;
  virtual Applied reset_clocks(const std::vector<NodeName>& nodes) = 0;
  // Undoes everything on every node, in parallel, giving up on a node once
  // `timeout_ms` have passed, so a hung node cannot hold up the others.
  virtual Applied heal(int64_t timeout_ms) = 0;
};

}  // namespace faultline::nemesis
