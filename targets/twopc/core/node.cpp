#include "targets/twopc/core/node.h"

#include "targets/twopc/core/wire.h"

namespace faultline::targets::twopc {

namespace {

common::Reply reply_to(const common::Request& request, common::ReplyStatus status) {
  common::Reply r;
  r.client_id = request.client_id;
  r.seq = request.seq;
  r.status = status;
  return r;
}

}  // namespace

void CoordinatorNode::request(const common::Request& request) {
  auto call = from_kv_request(request);
  if (!call || call->call != Call::Transaction) {
    common::Reply r = reply_to(request, common::ReplyStatus::BadRequest);
    r.value = call ? "an audit goes to a participant" : call.error().message;
    replies_.push_back(std::move(r));
    return;
  }
  waiting_.emplace(call->request.txn, std::make_pair(request.client_id, request.seq));
  core_.begin(call->request);
}

std::vector<common::Reply> CoordinatorNode::take_replies() {
  std::vector<common::Reply> out = std::exchange(replies_, {});
  for (const Reply& reply : core_.take_replies()) {
    auto [first, last] = waiting_.equal_range(reply.txn);
    for (auto it = first; it != last; ++it) {
      common::Reply r;
      r.client_id = it->second.first;
      r.seq = it->second.second;
      if (reply.status == ReplyStatus::Committed) {
        r.status = common::ReplyStatus::Ok;
        r.value = encode_balances(reply.balances);
      } else {
        // The protocol's "decided, and it did not happen": final for the client, as a
        // cas mismatch is. An abort is final too: the coordinator forgets an aborted
        // transaction only once every participant has logged the abort (so a repeated
        // request for it is refused by their no votes), or when it restarts (which
        // closes every connection that could still carry an earlier attempt).
        r.status = common::ReplyStatus::CasMismatch;
        r.value = std::string(to_string(reply.reason));
      }
      out.push_back(std::move(r));
    }
    waiting_.erase(first, last);
  }
  return out;
}

void ParticipantNode::request(const common::Request& request) {
  auto call = from_kv_request(request);
  if (!call) {
    common::Reply r = reply_to(request, common::ReplyStatus::BadRequest);
    r.value = call.error().message;
    replies_.push_back(std::move(r));
    return;
  }
  if (call->call == Call::Transaction) {
    // Definite: nothing was begun here. The client follows the hint.
    common::Reply r = reply_to(request, common::ReplyStatus::NotLeader);
    r.leader = core_.config().topology.coordinator;
    replies_.push_back(std::move(r));
    return;
  }
  common::Reply r = reply_to(request, common::ReplyStatus::Ok);
  r.value = encode_audit(core_.audit());
  replies_.push_back(std::move(r));
}

}  // namespace faultline::targets::twopc
