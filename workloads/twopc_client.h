#pragma once
// The mapping of bank workload ops onto the 2PC target's client (targets/twopc/client):
// transfer {"txn","from","to","amount"} becomes BankClient::transfer to the coordinator,
// read (value null) a read-all transaction there, audit a participant's audit on the
// op's node. The outcome is the BankClient's (ok | fail | info, STYLE.md §8); an ok
// read's value is the snapshot {"<account>": balance, ...} and an ok audit's value the
// audit JSON the twopc checker reads (checkers/twopc/twopc_checker.h). Not thread-safe:
// one per client thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "base/result.h"
#include "history/op.h"
#include "targets/twopc/client/client.h"
#include "targets/twopc/core/participant.h"
#include "targets/twopc/core/types.h"
#include "workloads/workload.h"

namespace faultline::workloads {

// `nodes`: node name -> "host:port" of its client port; `coordinator`: the coordinator's
// name, one of them. `home`: the node this process is bound to; an audit without a node
// of its own (OpSpec::node empty) goes there. `client_id`: unique per process of the run;
// it also makes the ids of its read-all transactions unique (bank_read_txn). `timeout`:
// the whole of one invoke; when it passes the completion is info. An op the mapping
// cannot express completes as fail without being sent.
std::unique_ptr<Client> make_twopc_client(const std::map<std::string, std::string>& nodes,
                                          const std::string& coordinator, const std::string& home,
                                          uint64_t client_id, std::chrono::milliseconds timeout);

// The pure halves of the mapping, separate so they are testable without a server.

// The call an op asks for. Transfer: `request` from the op's value (kind Transfer).
// ReadAll: `request` of kind ReadAll with the txn id the caller gives. Audit: `node`.
struct BankCall {
  enum class Kind { Transfer, ReadAll, Audit };
  Kind kind = Kind::Transfer;
  targets::twopc::Request request;
  std::string node;  // Audit: the participant to ask
};

// The call for `op`: transfer -> Transfer (value {"txn" > 0, "from", "to", "amount"},
// integers); read -> ReadAll as the transaction its value names ({"txn": id > 0}), else
// as `read_txn`; audit -> Audit of op.node, or of `home` when the op names none. Error:
// another f, or a transfer value missing a field or holding a non-integer.
base::Result<BankCall> to_bank_call(const OpSpec& op, targets::twopc::TxnId read_txn, const std::string& home);

// The id of the n-th read-all (n >= 0) of client `client_id`: transfers take 1, 2, 3, ...
// from the generator, so reads live from 10^16 up, one block of 10^6 ids per client:
// 10^16 + client_id x 10^6 + n. Unique in a run as long as client ids are and stay
// below 9 x 10^9 (ids stay under the 18 digits the twopc checker reads).
targets::twopc::TxnId bank_read_txn(uint64_t client_id, uint64_t n);

// The completion of `call` for `op` from the client's outcome: the type straight from
// outcome.type; an error on fail/info (a transfer's abort reason: "aborted: conflict").
// The value is the snapshot for an ok read (`balances`), the audit JSON for an ok audit
// (`audit`), else op.value.
Completion bank_completion(const OpSpec& op, const BankCall& call, const targets::twopc::client::Outcome& outcome,
                           const targets::twopc::Balances& balances, const targets::twopc::Audit& audit);

// {"0": 100, "3": 97}: accounts as text keys, balances as integers.
history::Value balances_to_json(const targets::twopc::Balances& balances);
// The checker's audit JSON: {"node", "txns": {"<txn>": {"state", "participants",
// "blocked_ms"}}, "balances"}.
history::Value audit_to_json(const targets::twopc::Audit& audit);

}  // namespace faultline::workloads
