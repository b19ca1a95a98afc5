#pragma once
// SettimeClock: clock faults on real machines (VMs), the ClockFaults backend for nodes
// whose NodeSpec::clock is "settime". It drives our helper faultline-settime
// (nemesis/settime/settime_main.cpp), uploaded once per node by install(), which steps
// CLOCK_REALTIME itself: every process on the node sees the skew. NEVER point it at the
// local cluster without dry_run: its nodes share the host's clock. Stateless apart from
// its settings; safe to call from several threads for different nodes.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "harness/control/ssh.h"
#include "nemesis/clock.h"

namespace faultline::nemesis {

inline constexpr const char* kDefaultSettimePath = "/opt/faultline/bin/faultline-settime";

// ---- The commands sent to a node (pure, unit-tested) -------------------------------
// Each is `<helper> [--dry-run] <action> <numbers...>`, every word shell-quoted.
std::string settime_bump_command(const std::string& helper, int64_t delta_ms, bool dry_run);
std::string settime_strobe_command(const std::string& helper, int64_t delta_ms,
                                   int64_t period_ms, int64_t duration_ms, bool dry_run);
std::string settime_reset_command(const std::string& helper, int64_t controller_ns,
                                  bool dry_run);
// Prints `now=<ns>`, the node's CLOCK_REALTIME (read-only; no --dry-run needed).
std::string settime_now_command(const std::string& helper);

class SettimeClock final : public ClockFaults {
 public:
  // `pool` must outlive this object. With dry_run every command carries --dry-run: the
  // helper prints what it would set and leaves the clock alone.
  explicit SettimeClock(control::Pool& pool, std::string helper = kDefaultSettimePath,
                        bool dry_run = false);

  // Uploads the helper binary `local` to every node (mode 0755), in parallel. Errors
  // name the node.
  base::Status install(const std::vector<NodeName>& nodes, const std::filesystem::path& local);

  ClockOutcomes bump(const ClockSkew& skew) override;
  // Steps each node's clock to the controller's realtime (taken right before the
  // command is sent), then measures.
  ClockOutcomes reset(const std::vector<NodeName>& nodes) override;
  ClockOutcomes strobe(const ClockSkew& skew) override;
  ClockReadings measure(const std::vector<NodeName>& nodes) override;
  const char* name() const override { return "settime"; }

 private:
  // Runs `command` on `node`, then measures; the outcome carries delta_ms and any flips.
  base::Result<ClockOutcome> run_then_measure(const NodeName& node, const std::string& command,
                                              int64_t delta_ms, int64_t timeout_ms);

  control::Pool& pool_;
  std::string helper_;
  bool dry_run_;
};

}  // namespace faultline::nemesis
