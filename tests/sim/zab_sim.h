#pragma once
// The ZAB target in the simulator: its options and run_zab_sim(), a SimCluster
// (tests/sim/sim_cluster.h) of ZabNode replicas on FIFO channels (Zab assumes TCP),
// checked after every step for Zab's properties — at most one established leader per
// epoch, every server delivers the same committed prefix in zxid order, nothing
// delivered is missing from a later established leader's history — and for
// linearizability at the end.

#include "targets/zab/core/zab_node.h"
#include "tests/sim/sim_cluster.h"

namespace faultline::tests::sim {

namespace zab = targets::zab;

struct ZabSimTarget {
  zab::Bugs bugs;
  zab::ReadMode read_mode = zab::ReadMode::Sync;
};
using ZabSimOptions = SimOptions<ZabSimTarget>;

SimResult run_zab_sim(const ZabSimOptions& options);

}  // namespace faultline::tests::sim
