#pragma once
// The Raft target's names for the shared key-value client (targets/common/kv_client.h):
// the Raft and ZAB servers speak one client protocol, so one client serves both, and
// Raft code keeps saying raft::client::RaftClient, raft::client::Outcome, ...

#include "targets/common/kv_client.h"
#include "targets/raft/core/kv.h"

namespace faultline::targets::raft::client {

using common::AttemptResult;
using common::decide;
using common::Outcome;
using common::OutcomeType;
using common::to_string;
using RaftClient = common::KvClient;

}  // namespace faultline::targets::raft::client
