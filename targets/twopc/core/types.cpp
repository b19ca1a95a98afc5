#include "targets/twopc/core/types.h"

namespace faultline::targets::twopc {

const NodeId& owner(const Topology& topology, Account account) {
  return topology.participants[static_cast<size_t>(account) % topology.participants.size()];
}

std::vector<Account> accounts_of(const Topology& topology, const NodeId& participant) {
  std::vector<Account> out;
  for (Account a = 0; a < topology.accounts; ++a)
    if (owner(topology, a) == participant) out.push_back(a);
  return out;
}

bool valid_account(const Topology& topology, Account account) {
  return account >= 0 && account < topology.accounts;
}

std::string_view to_string(TxnKind kind) { return kind == TxnKind::Transfer ? "transfer" : "read-all"; }

std::string_view to_string(TxnState state) {
  switch (state) {
    case TxnState::Prepared: return "prepared";
    case TxnState::Committed: return "committed";
    case TxnState::Aborted: return "aborted";
  }
  return "?";
}

std::string_view to_string(AbortReason reason) {
  switch (reason) {
    case AbortReason::None: return "none";
    case AbortReason::Conflict: return "conflict";
    case AbortReason::InsufficientFunds: return "insufficient-funds";
    case AbortReason::Timeout: return "timeout";
    case AbortReason::Invalid: return "invalid";
    case AbortReason::Unknown: return "unknown";
  }
  return "?";
}

std::string_view to_string(ReplyStatus status) {
  return status == ReplyStatus::Committed ? "committed" : "aborted";
}

std::string_view to_string(MessageType type) {
  switch (type) {
    case MessageType::Prepare: return "prepare";
    case MessageType::Vote: return "vote";
    case MessageType::Commit: return "commit";
    case MessageType::Abort: return "abort";
    case MessageType::Ack: return "ack";
    case MessageType::Query: return "query";
  }
  return "?";
}

}  // namespace faultline::targets::twopc
