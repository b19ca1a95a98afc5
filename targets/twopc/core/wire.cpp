#include "targets/twopc/core/wire.h"

#include "targets/common/codec.h"

namespace faultline::targets::twopc {

using common::Decoder;
using common::Encoder;

namespace {

constexpr std::string_view kTransferKey = "transfer";
constexpr std::string_view kReadAllKey = "read-all";
constexpr std::string_view kAuditKey = "audit";

template <class E>
bool get_enum(Decoder& d, E& out, E max) {
  uint8_t v = 0;
  if (!d.get_u8(v) || v > static_cast<uint8_t>(max)) return false;
  out = static_cast<E>(v);
  return true;
}

void put_nodes(Encoder& e, const std::vector<NodeId>& nodes) {
  e.put_u64(nodes.size());
  for (const auto& n : nodes) e.put_string(n);
}

bool get_nodes(Decoder& d, std::vector<NodeId>& nodes) {
  uint64_t n = 0;
  if (!d.get_count(n)) return false;
  nodes.resize(n);
  for (auto& node : nodes)
    if (!d.get_string(node)) return false;
  return true;
}

void put_changes(Encoder& e, const std::vector<Change>& changes) {
  e.put_u64(changes.size());
  for (const Change& c : changes) {
    e.put_i64(c.account);
    e.put_i64(c.delta);
  }
}

bool get_changes(Decoder& d, std::vector<Change>& changes) {
  uint64_t n = 0;
  if (!d.get_count(n)) return false;
  changes.resize(n);
  for (Change& c : changes)
    if (!(d.get_i64(c.account) && d.get_i64(c.delta))) return false;
  return true;
}

void put_balances(Encoder& e, const Balances& balances) {
  e.put_u64(balances.size());
  for (const auto& [account, balance] : balances) {
    e.put_i64(account);
    e.put_i64(balance);
  }
}

bool get_balances(Decoder& d, Balances& balances) {
  uint64_t n = 0;
  if (!d.get_count(n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    Account account = 0;
    Amount balance = 0;
    if (!(d.get_i64(account) && d.get_i64(balance))) return false;
    balances[account] = balance;
  }
  return true;
}

}  // namespace

std::string encode_message(const Message& m) {
  Encoder e;
  e.put_u8(static_cast<uint8_t>(m.type));
  e.put_string(m.from);
  e.put_string(m.to);
  e.put_u64(m.txn);
  e.put_u8(static_cast<uint8_t>(m.kind));
  put_changes(e, m.changes);
  put_nodes(e, m.participants);
  e.put_bool(m.yes);
  e.put_u8(static_cast<uint8_t>(m.reason));
  put_balances(e, m.balances);
  return e.take();
}

base::Result<Message> decode_message(std::string_view bytes) {
  Decoder d(bytes);
  Message m;
  const bool ok = get_enum(d, m.type, MessageType::Query) && d.get_string(m.from) && d.get_string(m.to) &&
                  d.get_u64(m.txn) && get_enum(d, m.kind, TxnKind::ReadAll) && get_changes(d, m.changes) &&
                  get_nodes(d, m.participants) && d.get_bool(m.yes) &&
                  get_enum(d, m.reason, AbortReason::Unknown) && get_balances(d, m.balances);
  if (!ok || !d.finish()) return d.error("2pc message");
  return m;
}

std::string encode_record(const TxnRecord& r) {
  Encoder e;
  e.put_u64(r.txn);
  e.put_u8(static_cast<uint8_t>(r.state));
  e.put_u8(static_cast<uint8_t>(r.kind));
  put_changes(e, r.changes);
  put_nodes(e, r.participants);
  e.put_u8(static_cast<uint8_t>(r.reason));
  e.put_i64(r.prepared_at_ms);
  e.put_i64(r.decided_at_ms);
  return e.take();
}

base::Status replay_record(ParticipantDurable& disk, std::string_view bytes) {
  Decoder d(bytes);
  ParticipantReady part;
  TxnRecord& r = part.records.emplace_back();
  const bool ok = d.get_u64(r.txn) && get_enum(d, r.state, TxnState::Aborted) &&
                  get_enum(d, r.kind, TxnKind::ReadAll) && get_changes(d, r.changes) &&
                  get_nodes(d, r.participants) && get_enum(d, r.reason, AbortReason::Unknown) &&
                  d.get_i64(r.prepared_at_ms) && d.get_i64(r.decided_at_ms);
  if (!ok || !d.finish()) return d.error("2pc participant WAL record");
  persist(disk, part);
  return base::ok_status();
}

std::string encode_record(const Decision& decision) {
  Encoder e;
  e.put_u64(decision.txn);
  put_nodes(e, decision.participants);
  e.put_bool(decision.ended);
  return e.take();
}

base::Status replay_record(CoordinatorDurable& disk, std::string_view bytes) {
  Decoder d(bytes);
  CoordinatorReady part;
  Decision& decision = part.records.emplace_back();
  if (!(d.get_u64(decision.txn) && get_nodes(d, decision.participants) && d.get_bool(decision.ended)) ||
      !d.finish())
    return d.error("2pc coordinator WAL record");
  persist(disk, part);
  return base::ok_status();
}

common::Request to_kv_request(const ClientCall& call) {
  common::Request out;
  if (call.call == Call::Audit) {
    out.kind = common::OpKind::Get;
    out.key = kAuditKey;
    return out;
  }
  const Request& r = call.request;
  Encoder e;
  e.put_u64(r.txn);
  if (r.kind == TxnKind::ReadAll) {
    out.kind = common::OpKind::Get;
    out.key = kReadAllKey;
  } else {
    out.kind = common::OpKind::Put;
    out.key = kTransferKey;
    e.put_i64(r.from);
    e.put_i64(r.to);
    e.put_i64(r.amount);
  }
  out.value = e.take();
  return out;
}

base::Result<ClientCall> from_kv_request(const common::Request& kv) {
  ClientCall call;
  if (kv.kind == common::OpKind::Get && kv.key == kAuditKey) {
    call.call = Call::Audit;
    return call;
  }
  Decoder d(kv.value);
  Request& r = call.request;
  if (kv.kind == common::OpKind::Get && kv.key == kReadAllKey) {
    r.kind = TxnKind::ReadAll;
    if (!d.get_u64(r.txn) || !d.finish()) return d.error("2pc read-all request");
    return call;
  }
  if (kv.kind == common::OpKind::Put && kv.key == kTransferKey) {
    r.kind = TxnKind::Transfer;
    if (!(d.get_u64(r.txn) && d.get_i64(r.from) && d.get_i64(r.to) && d.get_i64(r.amount)) || !d.finish())
      return d.error("2pc transfer request");
    return call;
  }
  return base::Error{"not a 2pc call: " + std::string(common::to_string(kv.kind)) + " \"" + kv.key + "\""};
}

std::string encode_balances(const Balances& balances) {
  Encoder e;
  put_balances(e, balances);
  return e.take();
}

base::Result<Balances> decode_balances(std::string_view bytes) {
  Decoder d(bytes);
  Balances balances;
  if (!get_balances(d, balances) || !d.finish()) return d.error("2pc balances");
  return balances;
}

std::string encode_audit(const Audit& audit) {
  Encoder e;
  e.put_string(audit.node);
  e.put_u64(audit.txns.size());
  for (const AuditEntry& entry : audit.txns) {
    e.put_u64(entry.txn);
    e.put_u8(static_cast<uint8_t>(entry.state));
    put_nodes(e, entry.participants);
    e.put_i64(entry.blocked_ms);
  }
  put_balances(e, audit.balances);
  return e.take();
}

base::Result<Audit> decode_audit(std::string_view bytes) {
  Decoder d(bytes);
  Audit audit;
  uint64_t n = 0;
  bool ok = d.get_string(audit.node) && d.get_count(n);
  for (uint64_t i = 0; ok && i < n; ++i) {
    AuditEntry& entry = audit.txns.emplace_back();
    ok = d.get_u64(entry.txn) && get_enum(d, entry.state, TxnState::Aborted) && get_nodes(d, entry.participants) &&
         d.get_i64(entry.blocked_ms);
  }
  if (!ok || !get_balances(d, audit.balances) || !d.finish()) return d.error("2pc audit");
  return audit;
}

}  // namespace faultline::targets::twopc
