#include "targets/common/kv.h"

#include "targets/common/codec.h"

namespace faultline::targets::common {


std::string_view to_string(OpKind kind) {
  switch (kind) {
    case OpKind::Get: return "get";
    case OpKind::Put: return "put";
    case OpKind::Cas: return "cas";
    case OpKind::Append: return "append";
    case OpKind::ReadList: return "read-list";
  }
  return "?";
}

std::string_view to_string(ReplyStatus status) {
  switch (status) {
    case ReplyStatus::Ok: return "ok";
    case ReplyStatus::CasMismatch: return "cas-mismatch";
    case ReplyStatus::NotLeader: return "not-leader";
    case ReplyStatus::NotApplied: return "not-applied";
    case ReplyStatus::Unknown: return "unknown";
    case ReplyStatus::BadRequest: return "bad-request";
  }
  return "?";
}

namespace {

void put_request(Encoder& e, const Request& r) {
  e.put_u64(r.client_id);
  e.put_u64(r.seq);
  e.put_u8(static_cast<uint8_t>(r.kind));
  e.put_string(r.key);
  e.put_string(r.value);
  e.put_string(r.expected);
}

bool get_request(Decoder& d, Request& r) {
  uint8_t kind = 0;
  if (!(d.get_u64(r.client_id) && d.get_u64(r.seq) && d.get_u8(kind) && d.get_string(r.key) &&
        d.get_string(r.value) && d.get_string(r.expected)))
    return false;
  if (kind > static_cast<uint8_t>(OpKind::ReadList)) return false;
  r.kind = static_cast<OpKind>(kind);
  return true;
}

void put_reply(Encoder& e, const Reply& r) {
  e.put_u64(r.client_id);
  e.put_u64(r.seq);
  e.put_u8(static_cast<uint8_t>(r.status));
  e.put_bool(r.value.has_value());
  e.put_string(r.value.value_or(""));
  e.put_u64(r.list.size());
  for (const auto& element : r.list) e.put_string(element);
  e.put_string(r.leader);
}

bool get_reply(Decoder& d, Reply& r) {
  uint8_t status = 0;
  bool has_value = false;
  std::string value;
  uint64_t n = 0;
  if (!(d.get_u64(r.client_id) && d.get_u64(r.seq) && d.get_u8(status) && d.get_bool(has_value) &&
        d.get_string(value) && d.get_u64(n)))
    return false;
  if (status > static_cast<uint8_t>(ReplyStatus::BadRequest) || n > d.remaining()) return false;
  r.status = static_cast<ReplyStatus>(status);
  if (has_value) r.value = std::move(value);
  r.list.resize(n);
  for (auto& element : r.list)
    if (!d.get_string(element)) return false;
  return d.get_string(r.leader);
}

template <class T>
base::Result<T> finish(Decoder& d, bool ok, T value, const char* what) {
  if (!ok && d.ok()) return base::Error{std::string("malformed ") + what};
  if (auto status = d.finish(); !status) return base::Error{std::string(what) + ": " + status.error().message};
  return value;
}

}  // namespace

std::string encode(const Request& request) {
  Encoder e;
  put_request(e, request);
  return e.take();
}

base::Result<Request> decode_request(std::string_view bytes) {
  Decoder d(bytes);
  Request r;
  const bool ok = get_request(d, r);
  return finish(d, ok, std::move(r), "request");
}

std::string encode(const Reply& reply) {
  Encoder e;
  put_reply(e, reply);
  return e.take();
}

base::Result<Reply> decode_reply(std::string_view bytes) {
  Decoder d(bytes);
  Reply r;
  const bool ok = get_reply(d, r);
  return finish(d, ok, std::move(r), "reply");
}

std::optional<Reply> KvStateMachine::cached(const Request& request) const {
  auto it = last_reply_.find(request.client_id);
  if (it == last_reply_.end() || it->second.seq != request.seq) return std::nullopt;
  return it->second;
}

Reply KvStateMachine::read(const Request& request) const {
  Reply reply;
  reply.client_id = request.client_id;
  reply.seq = request.seq;
  if (request.kind == OpKind::Get) {
    if (auto it = registers_.find(request.key); it != registers_.end()) reply.value = it->second;
  } else if (request.kind == OpKind::ReadList) {
    if (auto it = lists_.find(request.key); it != lists_.end()) reply.list = it->second;
  } else {
    reply.status = ReplyStatus::BadRequest;
  }
  return reply;
}

Reply KvStateMachine::apply(const Request& request) {
  auto it = last_reply_.find(request.client_id);
  if (it != last_reply_.end() && request.seq <= it->second.seq) {
    if (request.seq == it->second.seq) return it->second;  // a retry: answer, apply nothing
    Reply stale;
    stale.client_id = request.client_id;
    stale.seq = request.seq;
    stale.status = ReplyStatus::BadRequest;
    return stale;
  }
  Reply reply;
  reply.client_id = request.client_id;
  reply.seq = request.seq;
  switch (request.kind) {
    case OpKind::Get:
    case OpKind::ReadList:
      reply = read(request);  // a read that went through the log (--read-mode log)
      break;
    case OpKind::Put:
      registers_[request.key] = request.value;
      break;
    case OpKind::Cas: {
      auto reg = registers_.find(request.key);
      if (reg != registers_.end() && reg->second == request.expected) {
        reg->second = request.value;
      } else {
        reply.status = ReplyStatus::CasMismatch;
      }
      break;
    }
    case OpKind::Append:
      lists_[request.key].push_back(request.value);
      break;
  }
  last_reply_[request.client_id] = reply;
  return reply;
}

std::string KvStateMachine::encode_snapshot() const {
  Encoder e;
  e.put_u64(registers_.size());
  for (const auto& [key, value] : registers_) {
    e.put_string(key);
    e.put_string(value);
  }
  e.put_u64(lists_.size());
  for (const auto& [key, list] : lists_) {
    e.put_string(key);
    e.put_u64(list.size());
    for (const auto& element : list) e.put_string(element);
  }
  e.put_u64(last_reply_.size());
  for (const auto& [client, reply] : last_reply_) put_reply(e, reply);
  return e.take();
}

base::Status KvStateMachine::load_snapshot(std::string_view bytes) {
  Decoder d(bytes);
  std::map<std::string, std::string> registers;
  std::map<std::string, std::vector<std::string>> lists;
  std::map<uint64_t, Reply> last_reply;
  uint64_t n = 0;
  bool ok = d.get_u64(n) && n <= d.remaining();
  for (uint64_t i = 0; ok && i < n; ++i) {
    std::string key, value;
    ok = d.get_string(key) && d.get_string(value);
    registers.emplace(std::move(key), std::move(value));
  }
  ok = ok && d.get_u64(n) && n <= d.remaining();
  for (uint64_t i = 0; ok && i < n; ++i) {
    std::string key;
    uint64_t m = 0;
    ok = d.get_string(key) && d.get_u64(m) && m <= d.remaining();
    auto& list = lists[key];
    for (uint64_t j = 0; ok && j < m; ++j) ok = d.get_string(list.emplace_back());
  }
  ok = ok && d.get_u64(n) && n <= d.remaining();
  for (uint64_t i = 0; ok && i < n; ++i) {
    Reply reply;
    ok = get_reply(d, reply);
    last_reply[reply.client_id] = std::move(reply);
  }
  if (auto status = finish(d, ok, 0, "snapshot"); !status) return base::Error{status.error().message};
  registers_ = std::move(registers);
  lists_ = std::move(lists);
  last_reply_ = std::move(last_reply);
  return base::ok_status();
}

}  // namespace faultline::targets::common
