#pragma once
// The 2PC checker (`twopc`: atomicity and the bank's money): a pure function of a bank
// history and the participants' final audits (DESIGN.md, "Checkers"). It finds
//   (1) mixed outcome: a transaction committed on one participant and aborted or missing
//       on another it involves (the union of the participant lists its audit entries
//       name; a participant that lists none was told of it by an abort only);
//   (2) acknowledged outcome broken: a transfer the client saw committed (ok) that is
//       aborted or missing on one of its participants, or in no audit at all; a transfer
//       the client saw aborted (fail) that is committed anywhere;
//   (3) money not conserved: an ok read, or the final state (every audit's balances
//       together, when every participant named anywhere has an audit with balances),
//       whose total differs from the reference total, or a negative balance;
//       a read that lacks accounts the final state holds;
//   (4) blocked: transactions still prepared (in doubt) on some participant at the
//       audit, with how long; and the longest in-doubt times of all. Not invalid by
//       themselves: blocking is what correct 2PC does while its coordinator is away.
// Verdict: invalid if (1), (2) or (3) found anything. Else unknown if a participant that
// takes part in a committed or acknowledged transaction has no audit, or the final total
// is off while transactions are still prepared (their changes are half applied), or the
// history holds no transfer, read or audit. Else valid.
//
// History (JSONL ops of client processes; ops of the nemesis and other f's are skipped;
// invokes and completions pair by process, one op outstanding per process):
//   transfer  invoke value {"txn": 17, "from": 0, "to": 5, "amount": 3}, the completion
//             repeats it; ok = committed, fail = aborted (definite), info or none = unknown.
//             "txn" is the id the client gave the transaction (unique, a non-negative
//             integer); it names the transaction in the audits.
//   read      an ok read's value is every balance of one snapshot: {"0": 100, "1": 97, ...}
//             (account -> integer balance). fail and info reads are ignored. The invoke's
//             value may name the read's transaction, {"txn": 18}, so that reports can
//             say what its client saw.
//   audit     an ok op whose value is one participant's audit (below); audits can also be
//             passed in TwoPcOptions. The last audit of a node counts.
// Audit (one per participant, taken after the final heal and recovery):
//   {"node": "n2",
//    "txns": {"17": {"state": "committed", "participants": ["n2", "n3"], "blocked_ms": 4}},
//    "balances": {"0": 98, "3": 100}}
//   state is prepared | committed | aborted; "participants" as the Prepare named them
//   (absent or empty if never prepared here); "blocked_ms" how long it was in doubt here
//   (until the audit, if still prepared; default 0); "balances" the committed balances
//   of the accounts this participant holds (absent: the final state is not checked).
// Accounts are the keys of the balance objects (text); a transfer's "from", "to" and
// "amount" are only shown in reports. Thread-safe (no shared state).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "checkers/verdict.h"
#include "history/op.h"

namespace faultline::checkers::twopc {

using TxnId = int64_t;
using Account = std::string;

// A transaction's state on one participant, as its audit tells it.
enum class TxnState { Prepared, Committed, Aborted };
std::string_view to_string(TxnState state);
std::optional<TxnState> txn_state_from_string(std::string_view s);

struct AuditEntry {
  TxnState state = TxnState::Aborted;
  std::vector<std::string> participants;
  int64_t blocked_ms = 0;
};

struct ParticipantAudit {
  std::string node;
  std::map<TxnId, AuditEntry> txns;
  std::optional<std::map<Account, int64_t>> balances;
};

// The audit JSON above <-> ParticipantAudit. Errors say which field is wrong.
base::Result<ParticipantAudit> audit_from_json(const history::Value& json);
history::Value to_json(const ParticipantAudit& audit);

struct TwoPcOptions {
  // The bank's total before the run (accounts x initial balance). Without it the final
  // state's total is the reference (or, without a final state, the first read's).
  std::optional<int64_t> initial_total;
  // Audits besides those recorded in the history as ok "audit" ops.
  std::vector<ParticipantAudit> audits;
};

// What one participant did with a transaction.
enum class Outcome { Prepared, Committed, Aborted, Missing, NotAudited };
std::string_view to_string(Outcome outcome);
// What its client was told.
enum class ClientOutcome { Committed, Aborted, Unknown, NotInHistory };
std::string_view to_string(ClientOutcome outcome);

struct ParticipantOutcome {
  std::string node;
  Outcome outcome = Outcome::Missing;
  int64_t blocked_ms = 0;
};

// Everything known about one transaction, for a violation or a blocked report.
struct TxnReport {
  TxnId txn = 0;
  std::string f;            // "transfer", "read", or empty: not in the history
  ClientOutcome client = ClientOutcome::NotInHistory;
  history::Value value;     // the invoke's value, or null
  int64_t index = -1;       // the op's completion (else invoke) index in the history, or -1
  int64_t line = 0;         // its line, or 0
  std::vector<ParticipantOutcome> participants;  // in node order
};

struct AtomicityViolation {
  enum class Kind { MixedOutcome, AcknowledgedCommitNotCommitted, AcknowledgedAbortCommitted };
  Kind kind = Kind::MixedOutcome;
  TxnReport txn;
  std::string description;  // e.g. "txn 17 (transfer 0 -> 5, 3; client: committed): n2 committed, n3 aborted"
};
std::string_view to_string(AtomicityViolation::Kind kind);

struct BalanceViolation {
  enum class Kind { ReadTotal, FinalTotal, NegativeBalance, ReadMissesAccounts };
  Kind kind = Kind::ReadTotal;
  bool final_state = false;  // in the final state, else in the read below
  int64_t index = -1;        // the read's ok index, or -1
  int64_t line = 0;
  int64_t total = 0;
  int64_t expected = 0;
  std::vector<Account> accounts;  // the negative or missing accounts
  std::string description;
};
std::string_view to_string(BalanceViolation::Kind kind);

struct Blocked {
  TxnReport txn;
  int64_t max_blocked_ms = 0;  // the longest any participant has been in doubt about it
};

struct InDoubt {
  TxnId txn = 0;
  std::string node;
  TxnState state = TxnState::Aborted;
  int64_t blocked_ms = 0;
};

struct TwoPcResult {
  Verdict verdict = Verdict::Valid;
  std::string reason;  // unknown: why
  int64_t transfers = 0, committed = 0, aborted = 0, unknown = 0;  // as the clients saw them
  int64_t reads = 0;                // ok reads
  int64_t audited_txns = 0;         // distinct transactions in the audits
  std::vector<std::string> audited_nodes;
  std::optional<int64_t> reference_total;
  std::string reference;            // "initial", "final state" or "first read"
  std::optional<int64_t> final_total;
  std::vector<AtomicityViolation> atomicity;  // (1) and (2), in txn order
  std::vector<BalanceViolation> balances;     // (3), in history order, final state last
  std::vector<Blocked> blocked;               // (4), in txn order
  std::vector<InDoubt> longest_in_doubt;      // the kMaxLongest longest in-doubt times
  int64_t max_blocked_ms = 0;
  static constexpr size_t kMaxLongest = 10;
};

// Errors (a transfer without an integer "txn", two transactions with one id, a read whose ok
// value is not an object of integers, a malformed audit, an account in two audits, a
// process that invokes while its op is pending, a completion whose f differs from its
// invoke's) name the line or the node.
base::Result<TwoPcResult> check_twopc(const std::vector<history::Op>& history, const TwoPcOptions& options);

// JSON for results.json: counts, verdict, and the violation lists (capped at
// kMaxListedInJson each; the counts are always complete).
inline constexpr size_t kMaxListedInJson = 100;
history::Value to_json(const TwoPcResult& result);

// A few human lines: the verdict, the counts, the first violations.
std::string describe(const TwoPcResult& result);

}  // namespace faultline::checkers::twopc
