#pragma once
// Heal from the nemesis state file: what `faultline cluster heal` runs after a
// controller crash (and what a run's final heal can run too). Network faults are
// healed on every node whatever the file says (heal is idempotent, and a crash may
// have come between installing rules and recording them); paused processes are
// resumed and killed ones restarted with the pid checks of ProcessFaults, using the
// target's process record in the file; a delay helper (nemesis/delay.h) left running
// on any node is killed; recorded clock offsets are reset by each
// node's backend (NodeSpec::clock: faketime to +0, settime to the controller's time).
// The file is updated as each thing is undone, so a heal that is cut short can simply
// be run again. Runs on the caller's thread (nodes in parallel).

#include <filesystem>
#include <string>
#include <vector>

#include "harness/control/node.h"
#include "harness/control/ssh.h"

namespace faultline::nemesis {

struct HealReport {
  std::vector<std::string> done;    // one line per thing undone, naming the node
  std::vector<std::string> errors;  // one line per failure, naming the node
  bool ok() const { return errors.empty(); }
};

HealReport heal_from_state(harness::control::Pool& pool,
                           const std::vector<harness::control::NodeSpec>& nodes,
                           const std::filesystem::path& state_file);

}  // namespace faultline::nemesis
