#pragma once
// The key-value state machine that every target replicates (Raft, ZAB), and their
// common client protocol: get/put/cas on registers, append/read on lists. Commands carry the
// client's id and sequence number so a retried request is applied at most once
// (dissertation §6.3): the state machine remembers each client's last reply. Pure
// and deterministic (it is part of every replica's state and of snapshots). Not
// thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace faultline::targets::common {

enum class OpKind : uint8_t { Get = 0, Put = 1, Cas = 2, Append = 3, ReadList = 4 };
std::string_view to_string(OpKind kind);
inline bool is_read(OpKind kind) { return kind == OpKind::Get || kind == OpKind::ReadList; }

struct Request {
  uint64_t client_id = 0;  // one per client process; never reused
  uint64_t seq = 0;        // increases by one per call of that client; retries repeat it
  OpKind kind = OpKind::Get;
  std::string key;
  std::string value;     // put: the new value; cas: the new value; append: the element
  std::string expected;  // cas: the value it must hold
  bool operator==(const Request&) const = default;
};

enum class ReplyStatus : uint8_t {
  Ok = 0,
  CasMismatch = 1,  // definite: the cas did not happen
  NotLeader = 2,    // definite: not applied; `leader` names the node to try, if known
  NotApplied = 3,   // definite: the proposal lost its place in the log
  Unknown = 4,      // may or may not have happened (e.g. overtaken by a snapshot)
  BadRequest = 5,   // definite: malformed or out-of-order request
};
std::string_view to_string(ReplyStatus status);
// Whether the operation certainly did not take effect (the client reports fail).
inline bool is_definite_failure(ReplyStatus s) {
  return s == ReplyStatus::CasMismatch || s == ReplyStatus::NotLeader ||
         s == ReplyStatus::NotApplied || s == ReplyStatus::BadRequest;
}

struct Reply {
  uint64_t client_id = 0;
  uint64_t seq = 0;
  ReplyStatus status = ReplyStatus::Ok;
  std::optional<std::string> value;  // get: nullopt when the key was never written
  std::vector<std::string> list;     // read-list
  std::string leader;                // NotLeader: the node name of the leader it knows of
  bool operator==(const Reply&) const = default;
};

std::string encode(const Request& request);
base::Result<Request> decode_request(std::string_view bytes);
std::string encode(const Reply& reply);
base::Result<Reply> decode_reply(std::string_view bytes);

class KvStateMachine {
 public:
  // Applies a command taken from a committed log entry and returns its reply. A
  // command whose (client, seq) was applied before returns the remembered reply and
  // changes nothing.
  Reply apply(const Request& request);
  // Answers a read from the current state without changing anything (read-index,
  // lease and the planted stale read serve from here).
  Reply read(const Request& request) const;
  // The remembered reply if (client, seq) was already applied.
  std::optional<Reply> cached(const Request& request) const;

  std::string encode_snapshot() const;
  base::Status load_snapshot(std::string_view bytes);

  const std::map<std::string, std::string>& registers() const { return registers_; }
  const std::map<std::string, std::vector<std::string>>& lists() const { return lists_; }

 private:
  std::map<std::string, std::string> registers_;
  std::map<std::string, std::vector<std::string>> lists_;
  std::map<uint64_t, Reply> last_reply_;  // per client id
};

}  // namespace faultline::targets::common
