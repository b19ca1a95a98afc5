#pragma once
// The planted bugs of the 2PC target (an explicit enum, switched by `--bug NAME`, shown
// in --help; targets/twopc/BUGS.md says what each changes, what it breaks and which
// check finds it). Each is a small, visible change at one place in the code
// (`grep -rn 'Bug::' targets/twopc`). Plain data; thread-safe.

#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "targets/common/bug_table.h"

namespace faultline::targets::twopc {

enum class Bug {
  ParticipantTimeoutCommit,  // a prepared participant that hears no decision commits on its own
  ParticipantTimeoutAbort,   // a prepared participant that hears no decision aborts on its own
  NoDecisionLog,             // the coordinator keeps its commit decisions in memory only
  VoteBeforePersist,         // a participant votes yes before its "prepared" record is durable
};

using Bugs = std::set<Bug>;

using BugInfo = common::BugInfo<Bug>;

const std::vector<BugInfo>& all_bugs();
inline std::string_view to_string(Bug bug) { return common::bug_name(all_bugs(), bug); }
inline std::optional<Bug> parse_bug(std::string_view name) { return common::find_bug(all_bugs(), name); }

}  // namespace faultline::targets::twopc
