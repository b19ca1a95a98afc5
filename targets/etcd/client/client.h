#pragma once
// EtcdClient: one process's client of one etcd member, over etcd's v3 JSON gateway
// (gateway.h) with libcurl. call() takes a request of the shared key-value protocol
// (targets/common/kv.h: get, put, cas, append, read-list), so the workloads' mapping
// serves etcd unchanged, and returns its outcome by the rules of the other targets'
// client (common::decide): ok; fail when it certainly did not happen (connection
// refused before anything was sent, a failed compare, a definite error); info when it
// may have (sent, then timeout or lost connection, or an indefinite error such as
// "request timed out"). The timeout covers the whole call, retries included.
//
// Every request goes on a fresh connection: libcurl re-sends a request whose reused
// connection died before any answer, and a re-send that is refused would turn an
// attempt that may have arrived into a "not sent". No proxy is used, whatever the
// environment says. Not thread-safe: one instance per client thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "targets/common/kv_client.h"
#include "targets/etcd/client/gateway.h"

namespace faultline::targets::etcd::client {

// What one POST ended as: an HTTP answer (status, body), or none (`unanswered`
// says whether it may have arrived).
struct Exchange {
  bool answered = false;
  long status = 0;
  std::string body;
  AttemptResult unanswered = AttemptResult::NotSent;  // when !answered
  std::string error;                                  // when !answered: libcurl's words
};

// One POST of `call` to `base_url` (e.g. "http://10.77.120.2:2379"), bounded by
// `timeout` from connect to the last byte. Thread-safe (a libcurl handle per call).
Exchange post(const std::string& base_url, const HttpCall& call, std::chrono::milliseconds timeout);

class EtcdClient {
 public:
  // `base_url`: the member's client URL. `serializable_reads`: get and read-list ask
  // for serializable ranges (any member answers from its local state; may be stale).
  EtcdClient(std::string base_url, std::chrono::milliseconds timeout, bool serializable_reads);

  // Runs `request` (its client id and seq are not used: etcd has no de-duplication, so
  // nothing is re-sent once it may have arrived, except an append's compare-guarded
  // txn). Get: reply.value (nullopt for a key that does not exist); read-list:
  // reply.list (empty for no key); append: read, then a txn that puts the list with
  // the element added if the key's mod revision is still the one read, again on a lost
  // race until the deadline.
  common::Outcome call(const common::Request& request);

 private:
  // One POST, with what is left of the call's time.
  Exchange send(const HttpCall& call, std::chrono::steady_clock::time_point deadline);
  common::Outcome append(const common::Request& request, std::chrono::steady_clock::time_point deadline);

  std::string base_url_;
  std::chrono::milliseconds timeout_;
  bool serializable_reads_;
};

// The member that leads, by name: every member in `base_urls` (name -> client URL) is
// asked for its status within `timeout`, the view with the highest term wins, and the
// member list names its leader id. nullopt: no member knows a leader.
std::optional<std::string> current_leader(const std::map<std::string, std::string>& base_urls,
                                          std::chrono::milliseconds timeout);

}  // namespace faultline::targets::etcd::client
