#pragma once
// The etcd target: Debian's packaged etcd 3.4 (etcd-server) as a ServerRecipe, from its
// deploy recipe (targets/etcd/deploy) and its JSON-gateway client (targets/etcd/client).
// Read modes: linearizable (default) and serializable (--etcd-serializable-reads). The
// worked example of docs/TARGETS.md. Harness layer.

#include "harness/runner/target.h"

namespace faultline::harness::runner {

TargetKind etcd_target_kind();

// Why clock faults cannot run against etcd on these nodes, or empty when they can.
// etcd is a Go binary: Go reads the wall clock through the vDSO, never through libc,
// so libfaketime's LD_PRELOAD does not reach it, and on faketime nodes (every local
// cluster) a clock fault would change nothing while the run said it did. Nodes whose
// clock backend steps the real clock (settime) are fine.
std::string etcd_clock_refusal(const std::string& nemesis, const std::vector<control::NodeSpec>& nodes);

}  // namespace faultline::harness::runner
