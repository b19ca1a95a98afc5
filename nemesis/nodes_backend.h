#pragma once
// NodesBackend: the FaultBackend of real nodes, over the SSH pool: partitions, loss
// and delay with IptablesNet (delay with the faultline-delay helper, nemesis/delay.h), kill/pause with ProcessFaults (by pidfile), clocks with a
// ClockFaults backend (faketime or settime). It keeps the nemesis state file up to
// date (intent before each fault, cleared as it is undone), so `faultline cluster
// heal` can undo a run whose controller died. Called from one thread at a time.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "harness/control/node.h"
#include "harness/control/ssh.h"
#include "nemesis/backend.h"
#include "nemesis/clock.h"
#include "nemesis/iptables.h"
#include "nemesis/process_faults.h"

namespace faultline::nemesis {

struct NodesBackendOptions {
  std::filesystem::path state_file;    // empty: no state file
  std::optional<ProcessSpec> process;  // kill/pause/heal of the target need it
  int64_t command_timeout_ms = 10'000;
  // The faultline-delay binary on the controller, uploaded to every node at the first
  // delay fault; empty: delay faults are an error.
  std::filesystem::path delay_helper;
};

class NodesBackend final : public FaultBackend {
 public:
  // `pool` must reach every node in `nodes` and outlive this object. `clock` may be
  // null when no clock faults are wanted.
  NodesBackend(harness::control::Pool& pool, std::vector<harness::control::NodeSpec> nodes,
               std::unique_ptr<ClockFaults> clock, NodesBackendOptions options);

  Applied start_partition(const Partition& partition) override;
  Applied stop_partition() override;
  Applied start_loss(const Loss& loss) override;
  Applied stop_loss() override;
  // Uploads the helper (once), restarts it on delay.nodes with the delay's numbers,
  // then installs the queue rules. The value holds the helpers' pids and the rules.
  Applied start_delay(const Delay& delay) override;
  // Removes the queue rules, waits out the longest hold (so no held packet is lost
  // with the helper), then kills the helper on every node.
  Applied stop_delay() override;
  Applied kill(const std::vector<NodeName>& nodes) override;
  Applied restart(const std::vector<NodeName>& nodes) override;
  Applied pause(const std::vector<NodeName>& nodes) override;
  Applied resume(const std::vector<NodeName>& nodes) override;
  // The nodes are recorded as killed in the state file while the loop runs, so a heal
  // after a controller crash restarts any the loop left down.
  Applied crash_loop(const CrashLoop& loop) override;
  Applied skew_clocks(const ClockSkew& skew) override;
  Applied reset_clocks(const std::vector<NodeName>& nodes) override;
  // Network, then delay helpers (killed on every node), then processes (resumed or
  // restarted on every node), then clocks (every
  // node back to +0, if clock faults were used or the state file records offsets);
  // each phase gets an equal share of what is left of `timeout_ms` per SSH command.
  Applied heal(int64_t timeout_ms) override;

 private:
  Applied network(base::Status status);
  Applied processes(const NodeOutcomes& outcomes);
  Applied clocks(const ClockOutcomes& outcomes);
  std::vector<NodeName> all_nodes() const;

  harness::control::Pool& pool_;
  std::vector<harness::control::NodeSpec> nodes_;
  std::unique_ptr<ClockFaults> clock_;
  NodesBackendOptions options_;
  IptablesNet net_;
  std::optional<ProcessFaults> processes_;
  // Kills the delay helper on every node (none running is fine).
  Applied stop_delay_helpers(int64_t timeout_ms);

  std::set<NodeName> skewed_;  // nodes whose clock may be off
  bool delay_helper_installed_ = false;
  int64_t longest_hold_ms_ = 0;  // of the delay in force
};

}  // namespace faultline::nemesis
