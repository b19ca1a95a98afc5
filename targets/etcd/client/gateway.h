#pragma once
// The pure half of the etcd client: the JSON of etcd's v3 gateway (etcd 3.4, HTTP POST
// to /v3/kv/range, /v3/kv/put, /v3/kv/txn, /v3/maintenance/status,
// /v3/cluster/member/list) built from a call and parsed back into the verdict of one
// attempt, with no network. Keys and values travel base64-encoded, 64-bit integers as
// JSON strings; an error is {"error", "message", "code"} with a gRPC status code.
// client.h sends what this builds. Pure functions; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/common/kv_client.h"

namespace faultline::targets::etcd::client {

using common::AttemptResult;

// One POST: the path under the member's client URL and its JSON body.
struct HttpCall {
  std::string path;
  std::string body;
};

// A range of one key. `serializable`: the member answers from its local state, which
// may be stale (etcd's documented trade-off); otherwise the read is linearizable.
HttpCall range_call(std::string_view key, bool serializable);
HttpCall put_call(std::string_view key, std::string_view value);
// A txn: if key's value == expected then put value (else nothing). A key that does not
// exist never equals anything.
HttpCall cas_call(std::string_view key, std::string_view expected, std::string_view value);
// A txn for an append: if key's mod revision == mod_revision (0: the key does not
// exist) then put `list` (encode_list), else range the key, so a lost race returns the
// current value without another round trip.
HttpCall append_call(std::string_view key, int64_t mod_revision, const std::vector<std::string>& list);
HttpCall status_call();
HttpCall member_list_call();

// A list key's value: a JSON array of strings (any bytes survive; elements stay in
// order). decode_list: nullopt when the text is not that.
std::string encode_list(const std::vector<std::string>& list);
std::optional<std::vector<std::string>> decode_list(std::string_view text);

// One key as the gateway returned it; mod_revision 0 and empty value: no such key.
struct KeyValue {
  std::string value;
  int64_t mod_revision = 0;
  bool exists() const { return mod_revision != 0; }
};

enum class CallKind { Range, Put, Txn };

// The verdict of one answered attempt.
//   Ok: range / put done, or a txn whose compare held (kv: the range's key);
//   CasMismatch: a txn whose compare failed — certainly nothing was written (kv: the
//     failure branch's range, when the txn had one);
//   Definite: an error that means the request was refused before it could take effect
//     (a bad request, too many requests, permission, a compacted revision ...);
//   Unknown: any other error or an answer that cannot be read — it may have happened.
struct Answer {
  AttemptResult result = AttemptResult::Unknown;
  KeyValue kv;
  std::string error;  // not Ok: why ("etcdserver: request timed out (code 14)")
};
Answer parse_answer(CallKind kind, long http_status, std::string_view body);

// Whether an error with gRPC status `code` is definite (the server rejected the request
// before proposing it, so it did not and will not happen). Unavailable, DeadlineExceeded,
// Unknown, Internal, Canceled, Aborted and DataLoss are not: etcd returns them for
// "request timed out", "leader changed" and a stopping server, after proposing.
bool is_definite_error_code(int code);

// The verdict of an attempt that got no HTTP answer: NotSent when no connection was
// made — `refused` (connection refused, host unresolvable) or neither `connected` nor
// any byte of the request `sent` before the deadline — else Lost (it may have arrived).
AttemptResult unanswered(bool refused, bool connected, bool sent);

// maintenance/status: the leader's member id and the raft term of the answer; nullopt
// when the body is no status or the member knows no leader (id 0).
struct LeaderView {
  uint64_t leader_id = 0;
  uint64_t term = 0;
};
std::optional<LeaderView> parse_status(std::string_view body);
// cluster/member/list: member id -> name (members not yet started have no name and are
// left out).
std::map<uint64_t, std::string> parse_members(std::string_view body);

}  // namespace faultline::targets::etcd::client
