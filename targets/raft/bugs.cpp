#include "targets/raft/bugs.h"

namespace faultline::targets::raft {

const std::vector<BugInfo>& all_bugs() {
  static const std::vector<BugInfo> bugs = {
      {Bug::StaleRead, "stale-read",
       "reads are answered from any node's local state: stale reads (not linearizable)"},
      {Bug::CommitOldTerm, "commit-old-term",
       "previous-term entries are committed by counting replicas (Raft Figure 8): a "
       "committed write can be overwritten"},
      {Bug::ForgetVote, "forget-vote",
       "votedFor is not persisted: after a restart a node votes twice in one term, two "
       "leaders in one term, acknowledged writes lost"},
      {Bug::AckBeforePersist, "ack-before-persist",
       "log entries are acknowledged while still buffered in the process: kill -9 of a "
       "majority loses acknowledged writes"},
      {Bug::NoReadQuorum, "no-read-quorum",
       "read-index reads skip the heartbeat round: a deposed leader serves stale reads"},
  };
  return bugs;
}

}  // namespace faultline::targets::raft
