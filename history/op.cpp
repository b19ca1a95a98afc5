#include "history/op.h"

namespace faultline::history {

std::string_view to_string(OpType type) {
  switch (type) {
    case OpType::Invoke: return "invoke";
    case OpType::Ok: return "ok";
    case OpType::Fail: return "fail";
    case OpType::Info: return "info";
  }
  return "?";
}

std::optional<OpType> op_type_from_string(std::string_view s) {
  if (s == "invoke") return OpType::Invoke;
  if (s == "ok") return OpType::Ok;
  if (s == "fail") return OpType::Fail;
  if (s == "info") return OpType::Info;
  return std::nullopt;
}

std::string to_string(const Process& p) {
  return p.is_client() ? std::to_string(p.id) : p.name;
}

Value to_json(const Op& op) {
  Value j = Value::object();
  if (op.index >= 0) j["index"] = op.index;
  if (op.time >= 0) j["time"] = op.time;
  if (op.process.is_client()) {
    j["process"] = op.process.id;
  } else {
    j["process"] = op.process.name;
  }
  if (!op.node.empty()) j["node"] = op.node;
  j["type"] = std::string(to_string(op.type));
  j["f"] = op.f;
  if (op.key) j["key"] = *op.key;
  j["value"] = op.value;
  if (!op.error.is_null()) j["error"] = op.error;
  return j;
}

namespace {
base::Error field_error(std::string_view field, std::string_view expected, const Value& got) {
  return base::Error{"expected \"" + std::string(field) + "\" to be " + std::string(expected) +
                     ", got " + (got.is_null() ? std::string("nothing") : to_text(got))};
}
}  // namespace

base::Result<Op> op_from_json(const Value& j) {
  if (!j.is_object()) return field_error("op", "a JSON object", j);
  Op op;
  const Value kNull;
  auto get = [&](const char* name) -> const Value& {
    auto it = j.find(name);
    return it == j.end() ? kNull : *it;
  };

  const Value& type = get("type");
  if (!type.is_string()) return field_error("type", "one of invoke|ok|fail|info", type);
  auto t = op_type_from_string(type.get_ref<const std::string&>());
  if (!t) return field_error("type", "one of invoke|ok|fail|info", type);
  op.type = *t;

  const Value& process = get("process");
  if (process.is_number_integer() && process.get<int64_t>() >= 0) {
    op.process = Process::client(process.get<int64_t>());
  } else if (process.is_string() && !process.get_ref<const std::string&>().empty()) {
    op.process = Process::named(process.get<std::string>());
  } else {
    return field_error("process", "a non-negative integer or a name", process);
  }

  const Value& f = get("f");
  if (!f.is_string() || f.get_ref<const std::string&>().empty()) {
    return field_error("f", "a non-empty string", f);
  }
  op.f = f.get<std::string>();

  const Value& index = get("index");
  if (!index.is_null()) {
    if (!index.is_number_integer()) return field_error("index", "an integer", index);
    op.index = index.get<int64_t>();
  }
  const Value& time = get("time");
  if (!time.is_null()) {
    if (!time.is_number_integer()) return field_error("time", "an integer (ns)", time);
    op.time = time.get<int64_t>();
  }
  const Value& node = get("node");
  if (!node.is_null()) {
    if (!node.is_string()) return field_error("node", "a string", node);
    op.node = node.get<std::string>();
  }
  if (auto it = j.find("key"); it != j.end()) op.key = *it;
  op.value = get("value");
  op.error = get("error");
  return op;
}

std::string to_text(const Value& v) {
  return v.dump(-1, ' ', false, Value::error_handler_t::replace);
}

std::string describe(const Op& op) {
  std::string s = to_string(op.process);
  s += ' ';
  s += to_string(op.type);
  s += ' ';
  s += op.f;
  if (op.key) {
    s += ' ';
    s += op.key->is_string() ? op.key->get<std::string>() : to_text(*op.key);
  }
  s += ' ';
  s += to_text(op.value);
  return s;
}

}  // namespace faultline::history
