#pragma once
// The twopc target: faultline-twopc (targets/twopc) as a ServerRecipe, from its deploy
// recipe (targets/twopc/deploy) and the run's --bug and --keys. The first node is the
// coordinator and the others are the participants, in order (shard_nodes(), which the
// bank workload spreads its accounts over and audits). leader() is always the
// coordinator, so --nemesis-targets leader (and isolate-leader) strike it: that is where
// 2PC blocks. Harness layer.

#include "harness/runner/target.h"

namespace faultline::harness::runner {

TargetKind twopc_target_kind();

}  // namespace faultline::harness::runner
