#pragma once
// The planted bugs of the Raft target (STYLE.md: an explicit enum, switched by
// `--bug NAME`, shown in --help and in the report). Each one is a small, visible change
// at one place in the code; targets/raft/BUGS.md says which anomaly each should cause
// and how the harness finds it. Plain data; thread-safe.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "targets/common/bug_table.h"

namespace faultline::targets::raft {

enum class Bug {
  StaleRead,         // any node answers reads from its local state
  CommitOldTerm,     // previous-term entries committed by counting replicas (Figure 8)
  ForgetVote,        // votedFor is not persisted: two leaders in one term after a restart
  AckBeforePersist,  // entries acknowledged while still buffered in the process
  NoReadQuorum,      // read-index serves without its heartbeat round
};

using Bugs = std::set<Bug>;

using BugInfo = common::BugInfo<Bug>;

const std::vector<BugInfo>& all_bugs();
inline std::string_view to_string(Bug bug) { return common::bug_name(all_bugs(), bug); }
inline std::optional<Bug> parse_bug(std::string_view name) { return common::find_bug(all_bugs(), name); }

}  // namespace faultline::targets::raft
