#pragma once
// The raft target: faultline-raft (targets/raft) as a ServerRecipe, from its deploy
// recipe (targets/raft/deploy) and the run's --bug and --read-mode. Harness layer.

#include "harness/runner/target.h"

namespace faultline::harness::runner {

TargetKind raft_target_kind();

}  // namespace faultline::harness::runner
