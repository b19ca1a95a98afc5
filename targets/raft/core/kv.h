#pragma once
// The Raft target's names for the shared key-value state machine and client protocol
// (targets/common/kv.h): Raft code says raft::Request, raft::KvStateMachine, ...

#include "targets/common/kv.h"
#include "targets/raft/core/types.h"

namespace faultline::targets::raft {

using common::decode_reply;
using common::decode_request;
using common::encode;
using common::is_definite_failure;
using common::is_read;
using common::KvStateMachine;
using common::OpKind;
using common::Reply;
using common::ReplyStatus;
using common::Request;
using common::to_string;

}  // namespace faultline::targets::raft
