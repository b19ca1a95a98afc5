// The Raft target's client mapping (raft_client.h).

#include "workloads/raft_client.h"

#include <charconv>
#include <limits>
#include <utility>

namespace faultline::workloads {
namespace {

namespace raft = targets::raft;
using history::Value;

// A value as the text the servers store. False: neither an integer nor a string.
bool value_text(const Value& v, std::string& out) {
  if (v.is_number_unsigned()) {
    out = std::to_string(v.get<uint64_t>());
  } else if (v.is_number_integer()) {
    out = std::to_string(v.get<int64_t>());
  } else if (v.is_string()) {
    out = v.get<std::string>();
  } else {
    return false;
  }
  return true;
}

base::Error bad_op(const OpSpec& op, const std::string& why) {
  return base::Error{"cannot map " + op.f + " " + history::to_text(op.value) + " onto the key-value protocol: " +
                     why};
}

class RaftWorkloadClient final : public Client {
 public:
  RaftWorkloadClient(const std::map<std::string, std::string>& nodes, const std::string& home,
                     uint64_t client_id, std::chrono::milliseconds timeout)
      : no_nodes_(nodes.empty()), client_(nodes, client_id, timeout, home) {}

  Completion invoke(const OpSpec& op) override {
    if (no_nodes_) return Completion{history::OpType::Fail, op.value, "no nodes to talk to"};
    auto request = to_raft_request(op);
    if (!request.ok()) {
      // Nothing was sent, so it certainly did not happen.
      return Completion{history::OpType::Fail, op.value, request.error().message};
    }
    return to_completion(op, client_.call(std::move(request).value()));
  }

 private:
  bool no_nodes_;  // RaftClient needs at least one node
  raft::client::RaftClient client_;
};

}  // namespace

Value value_from_text(std::string_view text) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  // from_chars takes a leading '-' but no '+' or spaces; "-" alone and "" fail.
  if (!text.empty() && text[0] != '-') {
    uint64_t u = 0;
    auto [end, ec] = std::from_chars(first, last, u);
    if (ec == std::errc() && end == last) {
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return Value(static_cast<int64_t>(u));
      return Value(u);
    }
  } else if (!text.empty()) {
    int64_t i = 0;
    auto [end, ec] = std::from_chars(first, last, i);
    if (ec == std::errc() && end == last) return Value(i);
  }
  return Value(std::string(text));
}

base::Result<raft::Request> to_raft_request(const OpSpec& op) {
  raft::Request r;
  if (!op.key || !op.key->is_string()) return bad_op(op, "the key must be a string");
  r.key = op.key->get<std::string>();
  if (op.kind == KeyKind::Register) {
    if (op.f == "read") {
      r.kind = raft::OpKind::Get;
    } else if (op.f == "write") {
      r.kind = raft::OpKind::Put;
      if (!value_text(op.value, r.value)) return bad_op(op, "the value must be an integer");
    } else if (op.f == "cas") {
      r.kind = raft::OpKind::Cas;
      if (!op.value.is_array() || op.value.size() != 2 || !value_text(op.value[0], r.expected) ||
          !value_text(op.value[1], r.value))
        return bad_op(op, "the value must be [from, to]");
    } else {
      return bad_op(op, "a register has read, write and cas");
    }
  } else {
    if (op.f == "read") {
      r.kind = raft::OpKind::ReadList;
    } else if (op.f == "add") {
      r.kind = raft::OpKind::Append;
      if (!value_text(op.value, r.value)) return bad_op(op, "the element must be an integer");
    } else {
      return bad_op(op, "a set has add and read");
    }
  }
  return r;
}

Completion to_completion(const OpSpec& op, const raft::client::Outcome& outcome) {
  Completion c;
  c.value = op.value;
  switch (outcome.type) {
    case raft::client::OutcomeType::Ok: c.type = history::OpType::Ok; break;
    case raft::client::OutcomeType::Fail: c.type = history::OpType::Fail; break;
    case raft::client::OutcomeType::Info: c.type = history::OpType::Info; break;
  }
  if (c.type != history::OpType::Ok) {
    c.error = outcome.error.empty() ? std::string(raft::client::to_string(outcome.type))
                                    : outcome.error;
    return c;
  }
  if (op.f == "read") {
    if (op.kind == KeyKind::Register) {
      c.value = outcome.reply.value ? value_from_text(*outcome.reply.value) : Value();
    } else {
      c.value = Value::array();
      for (const std::string& e : outcome.reply.list) c.value.push_back(value_from_text(e));
    }
  }
  return c;
}

std::unique_ptr<Client> make_raft_client(const std::map<std::string, std::string>& nodes,
                                         const std::string& home, uint64_t client_id,
                                         std::chrono::milliseconds timeout) {
  return std::make_unique<RaftWorkloadClient>(nodes, home, client_id, timeout);
}

}  // namespace faultline::workloads
