#pragma once
// The delay fault's helper on the nodes (the Delay spec of nemesis/faults.h): the
// kernel has no netem qdisc, so each delayed node runs faultline-delay
// (nemesis/delay/delay_main.cpp), which holds the packets our chain's NFQUEUE rules
// (IptablesNet::apply(Delay)) hand it. The helper is one process per node, found by
// its pidfile and signalled only after the ProcessFaults checks (cmdline and start
// time), never by name. NodesBackend starts and stops it around the rules; heal (also
// `faultline cluster heal`) kills it on every node whatever was recorded.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "harness/control/ssh.h"
#include "nemesis/faults.h"
#include "nemesis/process_faults.h"

namespace faultline::nemesis {

inline constexpr const char* kDelayHelperPath = "/opt/faultline/bin/faultline-delay";
inline constexpr const char* kDelayPidfile = "/opt/faultline/delay.pid";
inline constexpr const char* kDelayLog = "/opt/faultline/delay.log";

// The helper as a process for ProcessFaults: start_command runs it with the delay's
// numbers (every word shell-quoted) and returns once it holds the queue (exit 3 and its
// reason on stderr if it cannot); expect is "faultline-delay".
ProcessSpec delay_helper_spec(const Delay& delay, int64_t command_timeout_ms);

// Copies the helper binary `local` to `remote` (mode 0755, its folder created) on every
// node, in parallel. Errors name the node. SettimeClock::install uses it too.
base::Status install_helper(harness::control::Pool& pool, const std::vector<NodeName>& nodes,
                            const std::filesystem::path& local, const std::string& remote,
                            int64_t timeout_ms);

}  // namespace faultline::nemesis
