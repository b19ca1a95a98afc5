// The 2PC target's client mapping (twopc_client.h).

#include "workloads/twopc_client.h"

#include <limits>
#include <utility>

namespace faultline::workloads {
namespace {

namespace twopc = targets::twopc;
using history::Value;
using twopc::client::Outcome;
using twopc::client::OutcomeType;

// Decimal, so a read's id shows its client in reports: 10^16 + client id x 10^6 + n.
constexpr uint64_t kReadTxnBase = 10'000'000'000'000'000;
constexpr uint64_t kReadTxnsPerClient = 1'000'000;

base::Error bad_op(const OpSpec& op, const std::string& why) {
  return base::Error{"cannot map " + op.f + " " + history::to_text(op.value) + " onto the bank: " + why};
}

// value[field] as an integer. False: missing or not an integer.
bool integer_field(const Value& value, const char* field, int64_t& out) {
  if (!value.is_object()) return false;
  const auto it = value.find(field);
  if (it == value.end() || !it->is_number_integer()) return false;
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  out = it->get<int64_t>();
  return true;
}

class TwoPcWorkloadClient final : public Client {
 public:
  TwoPcWorkloadClient(const std::map<std::string, std::string>& nodes, const std::string& coordinator,
                      std::string home, uint64_t client_id, std::chrono::milliseconds timeout)
      : usable_(nodes.count(coordinator) != 0),
        home_(std::move(home)),
        client_id_(client_id),
        client_(nodes, coordinator, client_id, timeout) {}

  Completion invoke(const OpSpec& op) override {
    if (!usable_) return Completion{history::OpType::Fail, op.value, "the coordinator is not a known node"};
    auto call = to_bank_call(op, bank_read_txn(client_id_, reads_), home_);
    if (!call.ok()) {
      // Nothing was sent, so it certainly did not happen.
      return Completion{history::OpType::Fail, op.value, call.error().message};
    }
    twopc::Balances balances;
    twopc::Audit audit;
    Outcome outcome;
    const twopc::Request& r = call->request;
    switch (call->kind) {
      case BankCall::Kind::Transfer: outcome = client_.transfer(r.txn, r.from, r.to, r.amount); break;
      case BankCall::Kind::ReadAll:
        ++reads_;  // a read-all's id is spent once sent, whatever its outcome
        outcome = client_.read_all(r.txn, balances);
        break;
      case BankCall::Kind::Audit: outcome = client_.audit(call->node, audit); break;
    }
    return bank_completion(op, *call, outcome, balances, audit);
  }

 private:
  bool usable_;  // BankClient needs the coordinator among the nodes
  std::string home_;
  uint64_t client_id_;
  uint64_t reads_ = 0;
  twopc::client::BankClient client_;
};

}  // namespace

twopc::TxnId bank_read_txn(uint64_t client_id, uint64_t n) {
  return kReadTxnBase + client_id * kReadTxnsPerClient + n % kReadTxnsPerClient;
}

base::Result<BankCall> to_bank_call(const OpSpec& op, twopc::TxnId read_txn, const std::string& home) {
  BankCall call;
  if (op.f == "transfer") {
    int64_t txn = 0;
    twopc::Request& r = call.request;
    if (!integer_field(op.value, "txn", txn) || txn <= 0) return bad_op(op, "\"txn\" must be a positive integer");
    if (!integer_field(op.value, "from", r.from) || !integer_field(op.value, "to", r.to) ||
        !integer_field(op.value, "amount", r.amount))
      return bad_op(op, "\"from\", \"to\" and \"amount\" must be integers");
    r.txn = static_cast<twopc::TxnId>(txn);
    r.kind = twopc::TxnKind::Transfer;
    call.kind = BankCall::Kind::Transfer;
    return call;
  }
  if (op.f == "read") {
    call.kind = BankCall::Kind::ReadAll;
    // A read that names its transaction ({"txn": id}, so the checker can tell what its
    // client saw) runs under that id; else under the client's own.
    int64_t txn = 0;
    call.request.txn = integer_field(op.value, "txn", txn) && txn > 0 ? static_cast<twopc::TxnId>(txn) : read_txn;
    call.request.kind = twopc::TxnKind::ReadAll;
    return call;
  }
  if (op.f == "audit") {
    call.kind = BankCall::Kind::Audit;
    call.node = op.node.empty() ? home : op.node;
    return call;
  }
  return bad_op(op, "the bank has transfer, read and audit");
}

Completion bank_completion(const OpSpec& op, const BankCall& call, const Outcome& outcome,
                           const twopc::Balances& balances, const twopc::Audit& audit) {
  Completion c;
  c.value = op.value;
  switch (outcome.type) {
    case OutcomeType::Ok: c.type = history::OpType::Ok; break;
    case OutcomeType::Fail: c.type = history::OpType::Fail; break;
    case OutcomeType::Info: c.type = history::OpType::Info; break;
  }
  if (c.type != history::OpType::Ok) {
    c.error = outcome.error.empty() ? std::string(to_string(outcome.type)) : outcome.error;
    // A decided abort carries its reason (core/node.h: the value of the cas-mismatch
    // reply), which says more than the protocol's name for it.
    if (c.type == history::OpType::Fail && call.kind != BankCall::Kind::Audit &&
        outcome.reply.status == targets::common::ReplyStatus::CasMismatch && outcome.reply.value)
      c.error = "aborted: " + *outcome.reply.value;
    return c;
  }
  if (call.kind == BankCall::Kind::ReadAll) c.value = balances_to_json(balances);
  if (call.kind == BankCall::Kind::Audit) c.value = audit_to_json(audit);
  return c;
}

Value balances_to_json(const twopc::Balances& balances) {
  Value out = Value::object();
  for (const auto& [account, balance] : balances) out[std::to_string(account)] = balance;
  return out;
}

Value audit_to_json(const twopc::Audit& audit) {
  Value txns = Value::object();
  for (const twopc::AuditEntry& e : audit.txns) {
    Value entry = {{"state", std::string(twopc::to_string(e.state))},
                   {"participants", e.participants},
                   {"blocked_ms", e.blocked_ms}};
    txns[std::to_string(e.txn)] = std::move(entry);
  }
  return Value{{"node", audit.node}, {"txns", std::move(txns)}, {"balances", balances_to_json(audit.balances)}};
}

std::unique_ptr<Client> make_twopc_client(const std::map<std::string, std::string>& nodes,
                                          const std::string& coordinator, const std::string& home,
                                          uint64_t client_id, std::chrono::milliseconds timeout) {
  return std::make_unique<TwoPcWorkloadClient>(nodes, coordinator, home, client_id, timeout);
}

}  // namespace faultline::workloads
