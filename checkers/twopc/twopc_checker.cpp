#include "checkers/twopc/twopc_checker.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace faultline::checkers::twopc {

using history::Op;
using history::OpType;
using history::Value;

std::string_view to_string(TxnState state) {
  switch (state) {
    case TxnState::Prepared: return "prepared";
    case TxnState::Committed: return "committed";
    case TxnState::Aborted: return "aborted";
  }
  return "?";
}

std::optional<TxnState> txn_state_from_string(std::string_view s) {
  if (s == "prepared") return TxnState::Prepared;
  if (s == "committed") return TxnState::Committed;
  if (s == "aborted") return TxnState::Aborted;
  return std::nullopt;
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Prepared: return "prepared";
    case Outcome::Committed: return "committed";
    case Outcome::Aborted: return "aborted";
    case Outcome::Missing: return "missing";
    case Outcome::NotAudited: return "not audited";
  }
  return "?";
}

std::string_view to_string(ClientOutcome outcome) {
  switch (outcome) {
    case ClientOutcome::Committed: return "committed";
    case ClientOutcome::Aborted: return "aborted";
    case ClientOutcome::Unknown: return "unknown";
    case ClientOutcome::NotInHistory: return "not in history";
  }
  return "?";
}

std::string_view to_string(AtomicityViolation::Kind kind) {
  switch (kind) {
    case AtomicityViolation::Kind::MixedOutcome: return "mixed-outcome";
    case AtomicityViolation::Kind::AcknowledgedCommitNotCommitted: return "acknowledged-commit-not-committed";
    case AtomicityViolation::Kind::AcknowledgedAbortCommitted: return "acknowledged-abort-committed";
  }
  return "?";
}

std::string_view to_string(BalanceViolation::Kind kind) {
  switch (kind) {
    case BalanceViolation::Kind::ReadTotal: return "read-total";
    case BalanceViolation::Kind::FinalTotal: return "final-total";
    case BalanceViolation::Kind::NegativeBalance: return "negative-balance";
    case BalanceViolation::Kind::ReadMissesAccounts: return "read-misses-accounts";
  }
  return "?";
}

namespace {

using Balances = std::map<Account, int64_t>;

std::string at_line(const Op& op) { return "line " + std::to_string(op.line) + ": "; }

base::Result<Balances> balances_from_json(const Value& v) {
  if (!v.is_object()) return base::Error{"expected an object of account -> balance, got " + history::to_text(v)};
  Balances out;
  for (const auto& [account, balance] : v.items()) {
    if (!balance.is_number_integer())
      return base::Error{"balance of account \"" + account + "\" is not an integer: " + history::to_text(balance)};
    out[account] = balance.get<int64_t>();
  }
  return out;
}

std::optional<TxnId> txn_id_from_text(const std::string& s) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoll(s);
}

int64_t total_of(const Balances& balances) {
  int64_t total = 0;
  for (const auto& [account, balance] : balances) total += balance;
  return total;
}

std::vector<Account> negative_accounts(const Balances& balances) {
  std::vector<Account> out;
  for (const auto& [account, balance] : balances)
    if (balance < 0) out.push_back(account);
  return out;
}

std::string join(const std::vector<Account>& accounts) {
  std::string out;
  for (const auto& a : accounts) out += (out.empty() ? "" : ", ") + a;
  return out;
}

// A transaction a client asked for: a transfer, or a read that named its txn id.
struct ClientTxn {
  bool read = false;
  ClientOutcome client = ClientOutcome::Unknown;
  Value value;  // the invoke's value
  int64_t index = -1;
  int64_t line = 0;
};

struct Read {
  int64_t index = -1;
  int64_t line = 0;
  Balances balances;
};

// The clients' transactions, reads and audits of a history, with invokes paired to
// completions.
struct Parsed {
  std::map<TxnId, ClientTxn> txns;
  std::vector<Read> reads;
  std::map<std::string, ParticipantAudit> audits;  // by node; the last audit counts
};

// The txn id in an invoke's value, if it has one.
std::optional<TxnId> txn_of(const Op& invoke) {
  if (!invoke.value.is_object() || !invoke.value.contains("txn")) return std::nullopt;
  const Value& txn = invoke.value.at("txn");
  if (!txn.is_number_integer() || txn.get<int64_t>() < 0) return std::nullopt;
  return txn.get<int64_t>();
}

base::Result<Parsed> parse(const std::vector<Op>& history) {
  Parsed out;
  std::unordered_map<int64_t, const Op*> pending;  // by process
  for (const Op& op : history) {
    if (!op.process.is_client()) continue;
    const int64_t process = op.process.id;
    if (op.type == OpType::Invoke) {
      if (auto it = pending.find(process); it != pending.end())
        return base::Error{at_line(op) + "process " + std::to_string(process) + " invoked \"" + op.f +
                           "\" while its op from line " + std::to_string(it->second->line) + " is still pending"};
      pending.emplace(process, &op);
      if (op.f != "transfer" && op.f != "read") continue;
      const auto txn = txn_of(op);
      if (!txn) {
        if (op.f == "read") continue;  // a read need not name its transaction
        return base::Error{at_line(op) + "a transfer needs a value {\"txn\": id, \"from\", \"to\", \"amount\"} with "
                                         "a non-negative integer id, got " + history::to_text(op.value)};
      }
      auto [it, inserted] = out.txns.emplace(*txn, ClientTxn{});
      if (!inserted) return base::Error{at_line(op) + "txn " + std::to_string(*txn) + " is invoked a second time"};
      it->second = ClientTxn{op.f == "read", ClientOutcome::Unknown, op.value, op.index, op.line};
      continue;
    }
    auto it = pending.find(process);
    if (it == pending.end()) {
      if (op.type == OpType::Info) continue;  // Jepsen's info for a crashed process
      return base::Error{at_line(op) + "\"" + std::string(history::to_string(op.type)) + "\" for process " +
                         std::to_string(process) + ", which has no pending invoke"};
    }
    const Op& invoke = *it->second;
    pending.erase(it);
    if (invoke.f != op.f)
      return base::Error{at_line(op) + "completion \"" + op.f + "\" does not match the invoke \"" + invoke.f +
                         "\" of line " + std::to_string(invoke.line)};
    if (op.f == "transfer" || op.f == "read") {
      if (const auto txn = txn_of(invoke)) {
        ClientTxn& t = out.txns.at(*txn);
        t.client = op.type == OpType::Ok     ? ClientOutcome::Committed
                   : op.type == OpType::Fail ? ClientOutcome::Aborted
                                             : ClientOutcome::Unknown;
        t.index = op.index;
        t.line = op.line;
      }
    }
    if (op.f == "read" && op.type == OpType::Ok) {
      auto balances = balances_from_json(op.value);
      if (!balances) return base::Error{at_line(op) + "an ok read's value: " + balances.error().message};
      out.reads.push_back(Read{op.index, op.line, std::move(*balances)});
    } else if (op.f == "audit" && op.type == OpType::Ok) {
      auto audit = audit_from_json(op.value);
      if (!audit) return base::Error{at_line(op) + "an audit: " + audit.error().message};
      std::string node = audit->node;
      out.audits[node] = std::move(*audit);
    }
  }
  return out;
}

std::string describe_txn(const TxnReport& r) {
  std::ostringstream s;
  s << "txn " << r.txn << " (";
  if (r.f == "transfer" && r.value.contains("from") && r.value.contains("to")) {
    s << "transfer " << history::to_text(r.value.at("from")) << " -> " << history::to_text(r.value.at("to"));
    if (r.value.contains("amount")) s << ", " << history::to_text(r.value.at("amount"));
    s << "; ";
  } else if (!r.f.empty()) {
    s << r.f << "; ";
  }
  s << "client: " << to_string(r.client) << "):";
  if (r.participants.empty()) s << " no participant has it";
  for (size_t i = 0; i < r.participants.size(); ++i) {
    const ParticipantOutcome& p = r.participants[i];
    s << (i == 0 ? " " : ", ") << p.node << " " << to_string(p.outcome);
    if (p.outcome == Outcome::Prepared) s << " for " << p.blocked_ms << " ms";
  }
  return s.str();
}

}  // namespace

base::Result<ParticipantAudit> audit_from_json(const Value& json) {
  if (!json.is_object()) return base::Error{"expected an object, got " + history::to_text(json)};
  ParticipantAudit audit;
  if (!json.contains("node") || !json.at("node").is_string()) return base::Error{"\"node\" must be a string"};
  audit.node = json.at("node").get<std::string>();
  const std::string who = "audit of " + audit.node + ": ";
  if (json.contains("txns")) {
    const Value& txns = json.at("txns");
    if (!txns.is_object()) return base::Error{who + "\"txns\" must be an object of txn id -> entry"};
    for (const auto& [key, e] : txns.items()) {
      const auto txn = txn_id_from_text(key);
      if (!txn) return base::Error{who + "txn id \"" + key + "\" is not a non-negative integer"};
      const std::string where = who + "txn " + key + ": ";
      if (!e.is_object() || !e.contains("state") || !e.at("state").is_string())
        return base::Error{where + "expected {\"state\": ...}, got " + history::to_text(e)};
      AuditEntry entry;
      const auto state = txn_state_from_string(e.at("state").get<std::string>());
      if (!state) return base::Error{where + "state must be prepared, committed or aborted"};
      entry.state = *state;
      if (e.contains("participants")) {
        const Value& ps = e.at("participants");
        if (!ps.is_array()) return base::Error{where + "\"participants\" must be a list of node names"};
        for (const Value& p : ps) {
          if (!p.is_string()) return base::Error{where + "\"participants\" must be a list of node names"};
          entry.participants.push_back(p.get<std::string>());
        }
      }
      if (e.contains("blocked_ms")) {
        if (!e.at("blocked_ms").is_number_integer()) return base::Error{where + "\"blocked_ms\" must be an integer"};
        entry.blocked_ms = e.at("blocked_ms").get<int64_t>();
      }
      audit.txns[*txn] = std::move(entry);
    }
  }
  if (json.contains("balances")) {
    auto balances = balances_from_json(json.at("balances"));
    if (!balances) return base::Error{who + "\"balances\": " + balances.error().message};
    audit.balances = std::move(*balances);
  }
  return audit;
}

Value to_json(const ParticipantAudit& audit) {
  Value txns = Value::object();
  for (const auto& [txn, e] : audit.txns) {
    Value entry = {{"state", std::string(to_string(e.state))}, {"blocked_ms", e.blocked_ms}};
    if (!e.participants.empty()) entry["participants"] = e.participants;
    txns[std::to_string(txn)] = std::move(entry);
  }
  Value j = {{"node", audit.node}, {"txns", std::move(txns)}};
  if (audit.balances) j["balances"] = *audit.balances;
  return j;
}

base::Result<TwoPcResult> check_twopc(const std::vector<Op>& history, const TwoPcOptions& options) {
  auto parsed = parse(history);
  if (!parsed) return base::Error{parsed.error().message};
  for (const auto& audit : options.audits) parsed->audits[audit.node] = audit;
  const auto& client_txns = parsed->txns;
  const auto& audits = parsed->audits;

  TwoPcResult result;
  result.reads = static_cast<int64_t>(parsed->reads.size());
  for (const auto& [txn, t] : client_txns) {
    if (t.read) continue;
    ++result.transfers;
    if (t.client == ClientOutcome::Committed) ++result.committed;
    if (t.client == ClientOutcome::Aborted) ++result.aborted;
    if (t.client == ClientOutcome::Unknown) ++result.unknown;
  }
  std::vector<std::string> unknown_because;

  // The final state: every participant's committed balances together.
  std::optional<Balances> final_state;
  if (!audits.empty()) {
    final_state.emplace();
    std::map<Account, std::string> holder;
    for (const auto& [node, audit] : audits) {
      result.audited_nodes.push_back(node);
      if (!audit.balances) {
        final_state.reset();
        break;
      }
      for (const auto& [account, balance] : *audit.balances) {
        if (auto [it, inserted] = holder.emplace(account, node); !inserted)
          return base::Error{"account " + account + " is in the audits of both " + it->second + " and " + node};
        (*final_state)[account] = balance;
      }
    }
  }

  // (1), (2), (4): every transaction an audit names or a client saw decided.
  std::map<TxnId, std::map<std::string, const AuditEntry*>> entries;
  std::map<TxnId, std::set<std::string>> involved;
  for (const auto& [node, audit] : audits) {
    for (const auto& [txn, entry] : audit.txns) {
      entries[txn][node] = &entry;
      involved[txn].insert(node);
      involved[txn].insert(entry.participants.begin(), entry.participants.end());
      if (entry.state == TxnState::Prepared || entry.blocked_ms > 0)
        result.longest_in_doubt.push_back(InDoubt{txn, node, entry.state, entry.blocked_ms});
      result.max_blocked_ms = std::max(result.max_blocked_ms, entry.blocked_ms);
    }
  }
  result.audited_txns = static_cast<int64_t>(entries.size());
  std::set<TxnId> txns;
  for (const auto& [txn, e] : entries) txns.insert(txn);
  for (const auto& [txn, t] : client_txns)
    if (t.client == ClientOutcome::Committed || t.client == ClientOutcome::Aborted) txns.insert(txn);
  std::set<std::string> unaudited;

  for (TxnId txn : txns) {
    TxnReport report;
    report.txn = txn;
    if (auto it = client_txns.find(txn); it != client_txns.end()) {
      report.f = it->second.read ? "read" : "transfer";
      report.client = it->second.client;
      report.value = it->second.value;
      report.index = it->second.index;
      report.line = it->second.line;
    }
    bool committed = false, not_committed = false, prepared = false, not_audited = false;
    int64_t max_blocked = 0;
    for (const auto& node : involved[txn]) {
      ParticipantOutcome p{node, Outcome::Missing, 0};
      if (!audits.count(node)) {
        p.outcome = Outcome::NotAudited;
        not_audited = true;
      } else if (auto e = entries[txn].find(node); e != entries[txn].end()) {
        p.outcome = e->second->state == TxnState::Prepared    ? Outcome::Prepared
                    : e->second->state == TxnState::Committed ? Outcome::Committed
                                                              : Outcome::Aborted;
        p.blocked_ms = e->second->blocked_ms;
      }
      committed |= p.outcome == Outcome::Committed;
      not_committed |= p.outcome == Outcome::Aborted || p.outcome == Outcome::Missing;
      if (p.outcome == Outcome::Prepared) {
        prepared = true;
        max_blocked = std::max(max_blocked, p.blocked_ms);
      }
      report.participants.push_back(std::move(p));
    }
    auto violation = [&](AtomicityViolation::Kind kind) {
      result.atomicity.push_back(AtomicityViolation{kind, report, describe_txn(report)});
    };
    if (committed && not_committed) violation(AtomicityViolation::Kind::MixedOutcome);
    // (2) is about transfers: a read's outcome changes no balance.
    const bool transfer = report.f == "transfer";
    if (transfer && report.client == ClientOutcome::Committed && (not_committed || report.participants.empty()))
      violation(AtomicityViolation::Kind::AcknowledgedCommitNotCommitted);
    if (transfer && report.client == ClientOutcome::Aborted && committed)
      violation(AtomicityViolation::Kind::AcknowledgedAbortCommitted);
    if (prepared) result.blocked.push_back(Blocked{report, max_blocked});
    if (not_audited && (committed || report.client == ClientOutcome::Committed))
      for (const auto& p : report.participants)
        if (p.outcome == Outcome::NotAudited) unaudited.insert(p.node);
  }
  for (const auto& node : unaudited)
    unknown_because.push_back("no audit of " + node + ", a participant of committed transactions");
  // Without every participant's audit the final state is partial: not checked.
  for (const auto& [txn, nodes] : involved)
    for (const auto& node : nodes)
      if (!audits.count(node)) final_state.reset();
  std::sort(result.longest_in_doubt.begin(), result.longest_in_doubt.end(), [](const InDoubt& a, const InDoubt& b) {
    return a.blocked_ms != b.blocked_ms ? a.blocked_ms > b.blocked_ms
                                        : std::tie(a.txn, a.node) < std::tie(b.txn, b.node);
  });
  if (result.longest_in_doubt.size() > TwoPcResult::kMaxLongest) result.longest_in_doubt.resize(TwoPcResult::kMaxLongest);

  // (3) Money: the reference total, then every read and the final state against it.
  if (final_state) result.final_total = total_of(*final_state);
  if (options.initial_total) {
    result.reference_total = options.initial_total;
    result.reference = "initial";
  } else if (final_state && result.blocked.empty()) {
    result.reference_total = result.final_total;
    result.reference = "final state";
  } else if (!parsed->reads.empty()) {
    result.reference_total = total_of(parsed->reads.front().balances);
    result.reference = "first read";
  }
  auto money = [&](BalanceViolation v) { result.balances.push_back(std::move(v)); };
  auto check_balances = [&](const Balances& balances, bool final, int64_t index, int64_t line) {
    const std::string where = final ? std::string("the final state") : "the read at line " + std::to_string(line);
    const int64_t total = total_of(balances);
    if (result.reference_total && total != *result.reference_total) {
      BalanceViolation v{final ? BalanceViolation::Kind::FinalTotal : BalanceViolation::Kind::ReadTotal,
                         final, index, line, total, *result.reference_total, {}, {}};
      v.description = where + " totals " + std::to_string(total) + ", not " +
                      std::to_string(*result.reference_total) + " (" + result.reference + ")";
      if (final && !result.blocked.empty()) {
        unknown_because.push_back(v.description + ", with " + std::to_string(result.blocked.size()) +
                                  " transaction(s) still prepared");
      } else {
        money(std::move(v));
      }
    }
    if (auto negative = negative_accounts(balances); !negative.empty()) {
      BalanceViolation v{BalanceViolation::Kind::NegativeBalance, final, index, line, total, total, negative, {}};
      v.description = where + " has a negative balance on account(s) " + join(negative);
      money(std::move(v));
    }
    if (!final && final_state) {
      std::vector<Account> missing;
      for (const auto& [account, balance] : *final_state)
        if (!balances.count(account)) missing.push_back(account);
      if (!missing.empty()) {
        BalanceViolation v{BalanceViolation::Kind::ReadMissesAccounts, false, index, line, total, total, missing, {}};
        v.description = where + " lacks account(s) " + join(missing);
        money(std::move(v));
      }
    }
  };
  for (const Read& read : parsed->reads) check_balances(read.balances, false, read.index, read.line);
  if (final_state) check_balances(*final_state, true, -1, 0);

  if (!result.atomicity.empty() || !result.balances.empty()) {
    result.verdict = Verdict::Invalid;
  } else if (!unknown_because.empty()) {
    result.verdict = Verdict::Unknown;
  } else if (client_txns.empty() && parsed->reads.empty() && audits.empty()) {
    result.verdict = Verdict::Unknown;
    unknown_because.push_back("the history holds no transfer, read or audit");
  }
  for (const auto& why : unknown_because) result.reason += (result.reason.empty() ? "" : "; ") + why;
  return result;
}

namespace {

Value report_json(const TxnReport& r) {
  Value participants = Value::array();
  for (const auto& p : r.participants)
    participants.push_back({{"node", p.node}, {"outcome", std::string(to_string(p.outcome))}, {"blocked_ms", p.blocked_ms}});
  return {{"txn", r.txn},   {"f", r.f},       {"client", std::string(to_string(r.client))},
          {"value", r.value}, {"index", r.index}, {"line", r.line},
          {"participants", std::move(participants)}};
}

template <class T, class F>
Value capped(const std::vector<T>& items, F&& to_value) {
  Value out = Value::array();
  for (size_t i = 0; i < items.size() && i < kMaxListedInJson; ++i) out.push_back(to_value(items[i]));
  return out;
}

}  // namespace

Value to_json(const TwoPcResult& r) {
  Value j;
  j["checker"] = "twopc";
  j["verdict"] = std::string(to_string(r.verdict));
  if (!r.reason.empty()) j["reason"] = r.reason;
  j["transfers"] = r.transfers;
  j["committed"] = r.committed;
  j["aborted"] = r.aborted;
  j["unknown"] = r.unknown;
  j["reads"] = r.reads;
  j["audited_txns"] = r.audited_txns;
  j["audited_nodes"] = r.audited_nodes;
  j["reference_total"] = r.reference_total ? Value(*r.reference_total) : Value();
  j["reference"] = r.reference;
  j["final_total"] = r.final_total ? Value(*r.final_total) : Value();
  j["atomicity_violations"] = r.atomicity.size();
  j["atomicity"] = capped(r.atomicity, [](const AtomicityViolation& v) {
    Value x = report_json(v.txn);
    x["kind"] = std::string(to_string(v.kind));
    x["description"] = v.description;
    return x;
  });
  j["balance_violations"] = r.balances.size();
  j["balances"] = capped(r.balances, [](const BalanceViolation& v) {
    return Value{{"kind", std::string(to_string(v.kind))},
                 {"final_state", v.final_state},
                 {"index", v.index},
                 {"line", v.line},
                 {"total", v.total},
                 {"expected", v.expected},
                 {"accounts", v.accounts},
                 {"description", v.description}};
  });
  j["blocked_count"] = r.blocked.size();
  j["blocked"] = capped(r.blocked, [](const Blocked& b) {
    Value x = report_json(b.txn);
    x["max_blocked_ms"] = b.max_blocked_ms;
    return x;
  });
  j["max_blocked_ms"] = r.max_blocked_ms;
  j["longest_in_doubt"] = capped(r.longest_in_doubt, [](const InDoubt& d) {
    return Value{{"txn", d.txn}, {"node", d.node}, {"state", std::string(to_string(d.state))}, {"blocked_ms", d.blocked_ms}};
  });
  return j;
}

std::string describe(const TwoPcResult& r) {
  std::ostringstream s;
  s << "twopc: " << to_string(r.verdict) << " (" << r.transfers << " transfers: " << r.committed << " committed, "
    << r.aborted << " aborted, " << r.unknown << " unknown; " << r.reads << " reads; " << r.atomicity.size()
    << " atomicity and " << r.balances.size() << " balance violation(s); " << r.blocked.size()
    << " still in doubt; longest in doubt " << r.max_blocked_ms << " ms)\n";
  if (!r.reason.empty()) s << "  " << r.reason << "\n";
  constexpr size_t kShown = 3;
  for (size_t i = 0; i < r.atomicity.size() && i < kShown; ++i)
    s << "  " << to_string(r.atomicity[i].kind) << ": " << r.atomicity[i].description << "\n";
  for (size_t i = 0; i < r.balances.size() && i < kShown; ++i)
    s << "  " << to_string(r.balances[i].kind) << ": " << r.balances[i].description << "\n";
  for (size_t i = 0; i < r.blocked.size() && i < kShown; ++i)
    s << "  in doubt: " << describe_txn(r.blocked[i].txn) << "\n";
  return s.str();
}

}  // namespace faultline::checkers::twopc
