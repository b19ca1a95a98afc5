#include "targets/twopc/bugs.h"

namespace faultline::targets::twopc {

const std::vector<BugInfo>& all_bugs() {
  static const std::vector<BugInfo> bugs = {
      {Bug::ParticipantTimeoutCommit, "participant-timeout-commit",
       "a prepared participant that hears no decision commits on its own (the flaw 3PC "
       "is known for): under a partition one participant commits what the others abort"},
      {Bug::ParticipantTimeoutAbort, "participant-timeout-abort",
       "a prepared participant that hears no decision aborts on its own after voting yes: "
       "an acknowledged commit is aborted on one participant"},
      {Bug::NoDecisionLog, "no-decision-log",
       "the coordinator keeps commit decisions in memory only: after it crashes, presumed "
       "abort aborts what some participants already committed"},
      {Bug::VoteBeforePersist, "vote-before-persist",
       "a participant votes yes while its prepared record is still buffered: kill -9 makes "
       "it forget a transaction the others commit (money appears or vanishes)"},
  };
  return bugs;
}

}  // namespace faultline::targets::twopc
