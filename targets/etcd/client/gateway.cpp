#include "targets/etcd/client/gateway.h"

#include <charconv>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "base/base64.h"

namespace faultline::targets::etcd::client {

namespace {

using Json = nlohmann::json;
using base::base64_encode;

// gRPC status codes (grpc/status.h) that etcd's gateway puts in "code".
enum GrpcCode : int {
  kInvalidArgument = 3,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kUnauthenticated = 16,
};

// A 64-bit integer the gateway sends as a JSON string (or, defensively, a number).
// Absent: 0, as the gateway omits zero values.
template <typename Int>
bool get_int(const Json& object, const char* name, Int& out) {
  out = 0;
  if (!object.is_object() || !object.contains(name)) return true;
  const Json& v = object.at(name);
  if (v.is_number_integer()) {
    out = v.get<Int>();
    return true;
  }
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// A field of `object` of the JSON type of `fallback`, else `fallback` (the gateway omits
// empty fields; a mistyped one is treated as absent, never thrown over).
template <typename T>
T field(const Json& object, const char* name, T fallback) {
  if (!object.is_object() || !object.contains(name)) return fallback;
  const Json& v = object.at(name);
  if constexpr (std::is_same_v<T, bool>) {
    return v.is_boolean() ? v.get<bool>() : fallback;
  } else {
    return v.is_string() ? v.get<std::string>() : fallback;
  }
}

// The first key of a range response ({"kvs": [...]}); no kvs: the key does not exist.
bool read_kvs(const Json& range, KeyValue& out) {
  out = KeyValue{};
  if (!range.is_object() || !range.contains("kvs")) return true;
  const Json& kvs = range.at("kvs");
  if (!kvs.is_array()) return false;
  if (kvs.empty()) return true;
  const Json& kv = kvs.front();
  if (!get_int(kv, "mod_revision", out.mod_revision) || out.mod_revision == 0) return false;
  if (kv.contains("value")) {
    if (!kv.at("value").is_string()) return false;
    auto value = base::base64_decode(kv.at("value").get_ref<const std::string&>());
    if (!value) return false;
    out.value = std::move(*value);
  }
  return true;
}

Json put_request(std::string_view key, std::string_view value) {
  return {{"key", base64_encode(key)}, {"value", base64_encode(value)}};
}

HttpCall txn(Json compare, Json success, Json failure) {
  Json body = {{"compare", Json::array({std::move(compare)})}, {"success", Json::array({std::move(success)})}};
  if (!failure.is_null()) body["failure"] = Json::array({std::move(failure)});
  return {"/v3/kv/txn", body.dump()};
}

Answer unknown(std::string why) { return {AttemptResult::Unknown, {}, std::move(why)}; }

}  // namespace

HttpCall range_call(std::string_view key, bool serializable) {
  Json body = {{"key", base64_encode(key)}};
  if (serializable) body["serializable"] = true;
  return {"/v3/kv/range", body.dump()};
}

HttpCall put_call(std::string_view key, std::string_view value) {
  return {"/v3/kv/put", put_request(key, value).dump()};
}

HttpCall cas_call(std::string_view key, std::string_view expected, std::string_view value) {
  return txn({{"key", base64_encode(key)}, {"target", "VALUE"}, {"result", "EQUAL"}, {"value", base64_encode(expected)}},
             {{"request_put", put_request(key, value)}}, nullptr);
}

HttpCall append_call(std::string_view key, int64_t mod_revision, const std::vector<std::string>& list) {
  return txn({{"key", base64_encode(key)},
              {"target", "MOD"},
              {"result", "EQUAL"},
              {"mod_revision", std::to_string(mod_revision)}},
             {{"request_put", put_request(key, encode_list(list))}},
             {{"request_range", {{"key", base64_encode(key)}}}});
}

HttpCall status_call() { return {"/v3/maintenance/status", "{}"}; }
HttpCall member_list_call() { return {"/v3/cluster/member/list", "{}"}; }

std::string encode_list(const std::vector<std::string>& list) {
  // Elements are bytes; JSON strings need valid UTF-8, so they go base64-encoded.
  Json array = Json::array();
  for (const auto& e : list) array.push_back(base64_encode(e));
  return array.dump();
}

std::optional<std::vector<std::string>> decode_list(std::string_view text) {
  const Json array = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!array.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const Json& e : array) {
    if (!e.is_string()) return std::nullopt;
    auto bytes = base::base64_decode(e.get_ref<const std::string&>());
    if (!bytes) return std::nullopt;
    out.push_back(std::move(*bytes));
  }
  return out;
}

bool is_definite_error_code(int code) {
  switch (code) {
    case kInvalidArgument:
    case kNotFound:
    case kAlreadyExists:
    case kPermissionDenied:
    case kResourceExhausted:
    case kFailedPrecondition:
    case kOutOfRange:
    case kUnimplemented:
    case kUnauthenticated:
      return true;
    default:
      return false;
  }
}

Answer parse_answer(CallKind kind, long http_status, std::string_view body) {
  const Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (http_status != 200 || (json.is_object() && json.contains("error"))) {
    // An error: {"error": ..., "message": ..., "code": N}. Without a code, a 4xx the
    // gateway gave (it could not even read the request) is definite; anything else
    // (a 5xx from a proxy in between, a body that is not JSON) may have happened.
    if (json.is_object() && json.contains("code") && json.at("code").is_number_integer()) {
      const int code = json.at("code").get<int>();
      const std::string message = field(json, "message", field(json, "error", std::string("error")));
      const std::string why = message + " (code " + std::to_string(code) + ")";
      return {is_definite_error_code(code) ? AttemptResult::Definite : AttemptResult::Unknown, {}, why};
    }
    const std::string why = "HTTP " + std::to_string(http_status);
    if (http_status >= 400 && http_status < 500 && http_status != 408)
      return {AttemptResult::Definite, {}, why};
    return unknown(why);
  }
  if (!json.is_object() || !json.contains("header")) return unknown("not a gateway answer: " + std::string(body.substr(0, 80)));
  Answer answer;
  answer.result = AttemptResult::Ok;
  switch (kind) {
    case CallKind::Put:
      break;
    case CallKind::Range:
      if (!read_kvs(json, answer.kv)) return unknown("unreadable range answer");
      break;
    case CallKind::Txn: {
      const bool succeeded = field(json, "succeeded", false);  // omitted when false
      if (!succeeded) {
        answer.result = AttemptResult::CasMismatch;
        answer.error = "compare failed";
      }
      // A failed append's range: the key as the txn saw it.
      if (!succeeded && json.contains("responses") && json.at("responses").is_array()) {
        for (const Json& r : json.at("responses"))
          if (r.is_object() && r.contains("response_range") && !read_kvs(r.at("response_range"), answer.kv))
            return unknown("unreadable txn answer");
      }
      break;
    }
  }
  return answer;
}

AttemptResult unanswered(bool refused, bool connected, bool sent) {
  if (refused || (!connected && !sent)) return AttemptResult::NotSent;
  return AttemptResult::Lost;
}

std::optional<LeaderView> parse_status(std::string_view body) {
  const Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || json.contains("error")) return std::nullopt;
  LeaderView view;
  // "raftTerm": the member's term (the header's raft_term says the same).
  if (!get_int(json, "leader", view.leader_id) || !get_int(json, "raftTerm", view.term)) return std::nullopt;
  if (view.leader_id == 0) return std::nullopt;
  return view;
}

std::map<uint64_t, std::string> parse_members(std::string_view body) {
  std::map<uint64_t, std::string> out;
  const Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("members") || !json.at("members").is_array()) return out;
  for (const Json& m : json.at("members")) {
    uint64_t id = 0;
    if (!get_int(m, "ID", id) || id == 0) continue;
    const std::string name = field(m, "name", std::string());
    if (!name.empty()) out[id] = name;
  }
  return out;
}

}  // namespace faultline::targets::etcd::client
