#pragma once
// The mapping of workload ops onto the Raft target's client: register read/write/cas
// become get/put/cas on a string key (values are JSON integers, sent as their decimal
// text), set add becomes append(key, element) and set read becomes read-list. Which
// read it is comes from OpSpec::kind (KeyKind::Register: get; KeyKind::Set: read-list).
// The outcome is the RaftClient's (ok/fail/info); a read's value is converted back to
// JSON (null for a key never written). Not thread-safe: one per client thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "history/op.h"
#include "targets/raft/client/client.h"
#include "targets/raft/core/kv.h"
#include "workloads/workload.h"

namespace faultline::workloads {

// `nodes`: node name -> "host:port" of its client port. `home`: the node this process
// is bound to (its first attempt of every call goes there). `client_id`: unique per
// process of the run (the servers de-duplicate retries by it). `timeout`: the whole of
// one invoke, retries included; when it passes the completion is info. An op the
// mapping cannot express (see to_raft_request) completes as fail without being sent.
std::unique_ptr<Client> make_raft_client(const std::map<std::string, std::string>& nodes,
                                         const std::string& home, uint64_t client_id,
                                         std::chrono::milliseconds timeout);

// The pure halves of the mapping, separate so they are testable without a server.

// The request for `op`, client id and sequence number left 0 (RaftClient::call sets
// them):
//   Register: read -> Get, write v -> Put(v), cas [from, to] -> Cas(expected from, to)
//   Set:      add e -> Append(e), read -> ReadList
// Values go as text: a JSON integer as its decimal text, a JSON string as itself.
// Error: no key or a key that is not a string, an f the kind does not have, or a value
// that is neither an integer nor a string (cas: not a two-element array of them).
base::Result<targets::raft::Request> to_raft_request(const OpSpec& op);

// The completion of `op` from the client's outcome: the type straight from
// outcome.type, the error from outcome.error (fail/info only). The value is the read's
// result for an ok read (Get: value_from_text of the value, null when the key was never
// written; ReadList: an array of value_from_text of the elements), else op.value.
Completion to_completion(const OpSpec& op, const targets::raft::client::Outcome& outcome);

// Stored text as a history value: a JSON integer when the text is a decimal integer
// (optional '-', digits only) that fits in 64 bits, else a JSON string of the text (so
// a value no workload wrote shows up as itself, e.g. for the checkers' phantoms).
history::Value value_from_text(std::string_view text);

}  // namespace faultline::workloads
