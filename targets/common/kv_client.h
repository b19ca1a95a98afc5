#pragma once
// KvClient: the client of every replicated key-value target (Raft, ZAB), used by the
// harness, the workloads, the benchmarks and the e2e tests. One call() sends one
// Request of the shared client protocol (kv.h, in framing.h frames) and decides its
// outcome (STYLE.md §8): ok (it happened), fail (it certainly did not happen) or info
// (unknown). It uses blocking sockets with poll timeouts, keeps one connection per
// node, follows not-leader hints within the call's deadline, and retries with the same
// (client id, seq) so the servers apply the operation at most once. Not thread-safe:
// one instance per client thread (the ids and sequence numbers are per instance, and a
// call blocks).

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "targets/common/kv.h"

namespace faultline::targets::common {

enum class OutcomeType { Ok, Fail, Info };
std::string_view to_string(OutcomeType type);

struct Outcome {
  OutcomeType type = OutcomeType::Info;
  // Ok: the reply (value / list); Fail: the last definite failure.
  Reply reply;
  std::string node;     // the node that gave `reply` (empty if none answered)
  std::string error;    // Fail/Info: why, for logs ("timeout after 1000 ms at n2", ...)
  int attempts = 0;     // requests sent, retries included
};

// One attempt's verdict, the rule call() applies (exposed for its unit test).
enum class AttemptResult {
  Ok,           // an Ok reply: it happened
  CasMismatch,  // final: the log decided this (client id, seq) did not change anything
  Unknown,      // an Unknown reply: the op may have happened
  Definite,     // not-leader, not-applied, bad-request: this attempt did not happen
  NotSent,      // no connection: nothing left this process
  Lost,         // sent, then timeout or connection loss: the attempt may have happened
};
// The outcome of a call whose attempts ended as `attempts`, in order; the call stops
// at the first Ok, CasMismatch or Unknown.
OutcomeType decide(const std::vector<AttemptResult>& attempts);

class KvClient {
 public:
  // `nodes`: name -> "host:port" of the client port; at least one. `timeout`: the whole
  // of one call, retries included. `home`: the node the first attempt of each call goes
  // to (empty: the last node that answered, initially the first). A workload that binds
  // each client to one node (to see what that node answers, e.g. stale or local reads)
  // sets it.
  KvClient(std::map<std::string, std::string> nodes, uint64_t client_id,
           std::chrono::milliseconds timeout, std::string home = {});
  ~KvClient();
  KvClient(const KvClient&) = delete;
  KvClient& operator=(const KvClient&) = delete;

  // Sends `request` with this client's id and its next sequence number (the fields of
  // `request` are overwritten) and blocks until the outcome is known or the timeout
  // passes. info means it may have taken effect, now or at any later time.
  Outcome call(Request request);

  uint64_t client_id() const { return client_id_; }
  // The last node that answered Ok (a leader, except for reads a follower serves: ZAB's
  // local reads, Raft's planted stale reads).
  const std::string& last_leader() const { return leader_; }

 private:
  struct Link {
    std::string host;
    uint16_t port = 0;
    int fd = -1;
    std::string in;  // bytes received, not yet a whole frame
  };
  using Clock = std::chrono::steady_clock;
  void disconnect(Link& link);
  // Connects if needed. False: could not connect before `deadline` (nothing was sent).
  bool ensure_connected(Link& link, Clock::time_point deadline, std::string& error);
  bool send_all(Link& link, const std::string& bytes, Clock::time_point deadline, std::string& error);
  // Reads frames until the reply to (client_id_, seq); stale replies are skipped.
  bool read_reply(Link& link, uint64_t seq, Clock::time_point deadline, Reply& reply, std::string& error);

  std::map<std::string, Link> links_;
  uint64_t client_id_;
  std::chrono::milliseconds timeout_;
  std::string home_;
  std::string leader_;
  uint64_t seq_ = 0;
};

}  // namespace faultline::targets::common
