#pragma once
// The planted bugs of the ZAB target (an explicit enum, switched by `--bug NAME`, shown
// in --help; targets/zab/BUGS.md says which anomaly each should cause). Each is a small,
// visible change at one place in the code. Plain data; thread-safe.

#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "targets/common/bug_table.h"

namespace faultline::targets::zab {

enum class Bug {
  SkipSync,            // a new leader broadcasts before a quorum has synchronised
  CommitBeforeQuorum,  // the leader commits a proposal on its own acknowledgement
  NoEpochFence,        // followers accept proposals from a deposed leader's older epoch
  AckBeforePersist,    // proposals acknowledged while still buffered in the process
};

using Bugs = std::set<Bug>;

using BugInfo = common::BugInfo<Bug>;

const std::vector<BugInfo>& all_bugs();
inline std::string_view to_string(Bug bug) { return common::bug_name(all_bugs(), bug); }
inline std::optional<Bug> parse_bug(std::string_view name) { return common::find_bug(all_bugs(), name); }

}  // namespace faultline::targets::zab
