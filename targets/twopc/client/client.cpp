#include "targets/twopc/client/client.h"

#include "targets/twopc/core/wire.h"

namespace faultline::targets::twopc::client {

namespace {

// An ok reply whose value does not decode tells nothing we can record: unknown, with
// the reason in `error` (reads and audits change nothing, so unknown is always safe).
template <class T, class Decode>
void decode_into(Outcome& outcome, T& out, Decode&& decode) {
  if (outcome.type != OutcomeType::Ok) return;
  auto decoded = decode(outcome.reply.value.value_or(""));
  if (decoded) {
    out = std::move(*decoded);
    return;
  }
  outcome.error = decoded.error().message;
  outcome.type = OutcomeType::Info;
}

}  // namespace

BankClient::BankClient(std::map<std::string, std::string> nodes, std::string coordinator, uint64_t client_id,
                       std::chrono::milliseconds timeout)
    : nodes_(std::move(nodes)), coordinator_(std::move(coordinator)), client_id_(client_id), timeout_(timeout) {}

BankClient::~BankClient() = default;

common::KvClient& BankClient::link_to(const std::string& node) {
  auto& link = links_[node];
  if (!link) {
    // Only that node: a call never wanders to another (a participant would answer a
    // transaction "not leader", and an audit belongs to the node it names).
    std::map<std::string, std::string> one{{node, nodes_.at(node)}};
    link = std::make_unique<common::KvClient>(one, client_id_, timeout_, node);
  }
  return *link;
}

Outcome BankClient::transfer(TxnId txn, Account from, Account to, Amount amount) {
  ClientCall call;
  call.request = Request{txn, TxnKind::Transfer, from, to, amount};
  return link_to(coordinator_).call(to_kv_request(call));
}

Outcome BankClient::read_all(TxnId txn, Balances& balances) {
  ClientCall call;
  call.request = Request{txn, TxnKind::ReadAll, 0, 0, 0};
  Outcome outcome = link_to(coordinator_).call(to_kv_request(call));
  decode_into(outcome, balances, decode_balances);
  return outcome;
}

Outcome BankClient::audit(const std::string& node, Audit& audit) {
  if (!nodes_.count(node)) {
    Outcome unknown;
    unknown.type = OutcomeType::Fail;
    unknown.error = "no node " + node;
    return unknown;
  }
  ClientCall call;
  call.call = Call::Audit;
  Outcome outcome = link_to(node).call(to_kv_request(call));
  decode_into(outcome, audit, decode_audit);
  return outcome;
}

}  // namespace faultline::targets::twopc::client
