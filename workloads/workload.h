#pragma once
// A workload (STYLE.md §13): a seeded generator of client operations, the mapping of
// those operations onto a target's client, and the names of the checkers its history
// needs. The runner asks the generator for the next op (under its own lock: generators
// are not thread-safe), writes the invoke to the history, calls Client::invoke on the
// process's thread and writes the completion. Ops use the history's vocabulary
// (DESIGN.md): register f = read | write | cas, set f = add | read.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/random.h"
#include "base/result.h"
#include "history/op.h"

namespace faultline::workloads {

// What kind of data a key holds. The client picks the target's call by it (a read of a
// register is a get, a read of a set a read-list); the history does not record it, and
// a workload never uses one key as both.
enum class KeyKind : uint8_t { Register, Set, Bank };

// What to do: the fields of an invoke that the workload decides.
struct OpSpec {
  std::string f;
  std::optional<history::Value> key;
  history::Value value;  // write: the value; cas: [from, to]; add: the element; read: null
  KeyKind kind = KeyKind::Register;
  // The node this op must go to (e.g. a participant's audit); empty: the process's own.
  std::string node;
};

// How an op ended, decided by the client (STYLE.md §8): ok, fail (certainly did not
// happen) or info (unknown). `value` is the completion's value: what a read returned,
// else the invoke's value.
struct Completion {
  history::OpType type = history::OpType::Info;
  history::Value value;
  std::string error;  // fail / info: why
};

// One process's connection to the target, bound to one node. invoke() must return by
// the call timeout it was built with; a timeout is info. Not thread-safe: one per
// client thread.
class Client {
 public:
  virtual ~Client() = default;
  virtual Completion invoke(const OpSpec& op) = 0;
};

// The ops of a workload's main phase. Deterministic for a seed; not thread-safe.
class Generator {
 public:
  virtual ~Generator() = default;
  virtual OpSpec next(base::Random& random) = 0;
};

// register: keys "r0", "r1", ... (JSON strings), `keys` of them active at once, each
//   retired after ops_per_key ops for the next unused one; about 50% read (value null),
//   30% write (0..max_value-1), 20% cas ([from, to], each 0..max_value-1). No final ops.
//   Checkers: linearizable, stats.
// set: keys "s0" .. "s<keys-1>"; about 90% add of the next integer 0, 1, 2, ... (each
//   added once, to a random key), 10% read of a random key. Final ops: one read per key.
//   Checkers: set, stats.
// bank: `keys` accounts 0 .. keys-1, each holding kBankInitialBalance at the start,
//   sharded over `shards` participants (account a on shard a % shards); about 80%
//   transfers {"txn": n, "from": a, "to": b, "amount": 1..5} between accounts on
//   different shards (when there are two or more), txn = 1, 2, 3, ... (unique in the
//   run), 20% reads of every balance (value null). Final ops: one "audit" on each node
//   of `audit_nodes`, pinned there. Checkers: twopc, stats.
inline constexpr int64_t kBankInitialBalance = 100;

struct WorkloadOptions {
  std::string name;  // register | set | bank
  int keys = 4;      // register: keys in use at once; set: sets (list keys); bank: accounts
  // register: ops per key before it retires and a fresh key takes its place, so every
  // key's history stays small enough to check quickly.
  int64_t ops_per_key = 400;
  int64_t max_value = 5;  // register values are 0..max_value-1
  int shards = 1;                       // bank: participants the accounts are spread over
  std::vector<std::string> audit_nodes;  // bank: the participants' nodes, in shard order
};

struct Workload {
  std::string name;
  std::unique_ptr<Generator> generator;
  // Ops to run once the cluster is healed and quiet: the set workload reads every
  // key (the runner repeats each until it is ok or the final phase's deadline).
  std::vector<OpSpec> final_ops;
  // The checkers of its history, by name: "linearizable", "set", "twopc", "stats".
  std::vector<std::string> checkers;
};

// The names make_workload() accepts, sorted (for --help and error messages).
std::vector<std::string> known_workloads();

// The workload called options.name. Error names the unknown workload or the bad option
// (keys < 1; register: ops_per_key < 1, max_value < 1). Options a workload does not
// use are ignored.
base::Result<Workload> make_workload(const WorkloadOptions& options);

}  // namespace faultline::workloads
