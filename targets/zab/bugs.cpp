#include "targets/zab/bugs.h"

namespace faultline::targets::zab {

const std::vector<BugInfo>& all_bugs() {
  static const std::vector<BugInfo> bugs = {
      {Bug::SkipSync, "skip-sync",
       "a new leader broadcasts before followers are synchronised: servers deliver different "
       "histories, committed transactions are lost"},
      {Bug::CommitBeforeQuorum, "commit-before-quorum",
       "the leader commits on its own acknowledgement: a leader change loses committed writes"},
      {Bug::NoEpochFence, "no-epoch-fence",
       "followers accept proposals from a deposed leader's older epoch: two leaders commit "
       "conflicting transactions"},
      {Bug::AckBeforePersist, "ack-before-persist",
       "proposals are acknowledged while still buffered in the process: kill -9 of a majority "
       "loses committed writes"},
  };
  return bugs;
}

}  // namespace faultline::targets::zab
