#pragma once
// The key-value targets faultline ships: faultline-raft (targets/raft) and faultline-zab
// (targets/zab), each a ServerRecipe made from its deploy recipe (targets/common/
// deploy.h) and the run's --bug and --read-mode. Both speak the key-value client
// protocol (targets/common/kv_client.h), so they share their client, ready op and leader
// query: the leader is the node that acknowledges a write (a read may be answered by
// any node: zab's local reads, raft's stale-read bug). Harness layer.

#include "harness/runner/target.h"

namespace faultline::harness::runner {

TargetKind raft_target_kind();
TargetKind zab_target_kind();

}  // namespace faultline::harness::runner
