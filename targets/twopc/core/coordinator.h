#pragma once
// Coordinator: the transaction manager of two-phase commit with presumed abort, a
// deterministic state machine like the other cores (STYLE.md §1-2): begin(request),
// step(message), tick(now), then ready() lists what to persist (commit decisions: the
// coordinator's log), then what to send, then the clients' replies, and advance() once
// the shell has done it. Phase 1: Prepare to every participant the transaction touches
// (the owners of a transfer's two accounts; every participant for a ReadAll), re-sent
// until each has voted; a no vote, or no full set of votes within vote_timeout_ms, is an
// abort. Phase 2: a commit is logged before anything of it leaves (the Ready order), then
// Commit or Abort goes to the participants, re-sent until each acknowledges. Presumed
// abort (R*): aborts are never logged; a transaction with no logged commit is aborted, so
// after a restart the coordinator re-sends every logged commit not yet acknowledged by
// all, and answers any other status query with Abort. Replies are definite (committed,
// aborted); "unknown" is the client's, on a timeout. Time comes only from tick(now).
// Not thread-safe.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "targets/common/shell.h"
#include "targets/twopc/bugs.h"
#include "targets/twopc/core/types.h"

namespace faultline::targets::twopc {

struct CoordinatorConfig {
  Topology topology;               // the coordinator's id is topology.coordinator
  int64_t vote_timeout_ms = 1000;  // phase 1 gives up (abort) after this
  int64_t resend_ms = 200;         // Prepare and decisions are sent again this often
  Bugs bugs;
};

// A record of the coordinator's log: a commit decision with the participants to tell,
// rewritten with `ended` once all of them acknowledged (the last one wins on replay).
struct Decision {
  TxnId txn = 0;
  std::vector<NodeId> participants;
  bool ended = false;
  bool operator==(const Decision&) const = default;
};

// What the disk holds: every logged commit. Kept for good, so a late status query about
// a finished transaction is still answered "commit".
struct CoordinatorDurable {
  std::map<TxnId, Decision> commits;
};

struct CoordinatorReady {
  // 1. Persist (fsync) before anything below leaves the process.
  std::vector<Decision> records;
  // 2. Send.
  std::vector<Message> messages;
  // 3. Answer clients.
  std::vector<Reply> replies;

  bool empty() const { return records.empty() && messages.empty() && replies.empty(); }
};

// Applies the persist part of `ready` to a disk image (the simulator's disk, the WAL replay).
void persist(CoordinatorDurable& disk, const CoordinatorReady& ready);

class Coordinator {
 public:
  // A coordinator starting from `disk` at `now_ms`: phase 2 resumes for every logged
  // commit not yet acknowledged by all its participants.
  Coordinator(CoordinatorConfig config, const CoordinatorDurable& disk, int64_t now_ms);

  // Starts a transaction; its reply comes in a later Ready. Precondition: request.txn is
  // new — a client never re-uses an id. A request for a transaction already running is
  // ignored (its reply will come); one for a logged commit is answered "committed". An
  // invalid transfer (unknown account, amount <= 0, from == to) is aborted at once.
  void begin(const Request& request);
  void step(const Message& message);
  void tick(int64_t now_ms);

  // What to persist, send and answer; the same until advance(). The shell runs it in order.
  CoordinatorReady ready() const;
  // Hands the Ready's replies to take_replies() (the shell has persisted and sent).
  void apply(const CoordinatorReady& ready);
  void advance();
  std::vector<Reply> take_replies();

  base::Status check_invariants() const;

  const CoordinatorConfig& config() const { return config_; }
  const NodeId& id() const { return config_.topology.coordinator; }
  // Transactions begun or resumed and not yet acknowledged by every participant.
  size_t running() const { return running_.size(); }
  const std::map<TxnId, Decision>& commits() const { return commits_; }

 private:
  enum class Phase { Voting, Committing, Aborting };
  struct Txn {
    Request request;
    std::vector<NodeId> participants;
    std::map<NodeId, std::vector<Change>> changes;
    Phase phase = Phase::Voting;
    std::set<NodeId> yes;   // voted yes
    std::set<NodeId> done;  // acknowledged the decision (or voted no, for an abort)
    Balances balances;      // a ReadAll: the balances the yes votes carried
    int64_t started_ms = 0;
    int64_t sent_ms = 0;
    bool reply_owed = false;  // false for transactions resumed after a restart
  };

  bool has(Bug bug) const { return config_.bugs.count(bug) != 0; }
  bool is_participant(const Txn& t, const NodeId& node) const;
  void send(MessageType type, const NodeId& to, TxnId txn);
  void send_prepare(const Txn& t, const NodeId& to);
  void send_decision(const Txn& t);  // to every participant that has not acknowledged it
  void decide(Txn& t, Phase outcome, AbortReason reason);
  void log(const Decision& decision);
  void maybe_finish(TxnId txn);
  void reply(TxnId txn, ReplyStatus status, AbortReason reason, Balances balances = {});

  void on_vote(const Message& m);
  void on_ack(const Message& m);
  void on_query(const Message& m);

  CoordinatorConfig config_;
  int64_t now_ms_;
  std::map<TxnId, Txn> running_;
  std::map<TxnId, Decision> commits_;  // every commit decided (logged, but for the planted bug)

  CoordinatorReady pending_;
  std::vector<Reply> replies_;
  std::string violation_;
};

using CoordinatorStorage = common::Storage<CoordinatorReady>;

// Runs one Ready in durability order (targets/common/shell.h).
template <class SendFn>
bool run_ready(Coordinator& node, CoordinatorStorage& storage, SendFn&& send) {
  return common::run_ready(node, storage, false, std::forward<SendFn>(send));
}

}  // namespace faultline::targets::twopc
