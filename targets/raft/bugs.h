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

namespace faultline::targets::raft {

enum class Bug {
  StaleRead,         // any node answers reads from its local state
  CommitOldTerm,     // previous-term entries committed by counting replicas (Figure 8)
  ForgetVote,        // votedFor is not persisted: two leaders in one term after a restart
  AckBeforePersist,  // entries acknowledged while still buffered in the process
  NoReadQuorum,      // read-index serves without its heartbeat round
};

using Bugs = std::set<Bug>;

struct BugInfo {
  Bug bug;
  std::string_view name;     // the --bug spelling
  std::string_view anomaly;  // one line for --help
};

const std::vector<BugInfo>& all_bugs();
std::string_view to_string(Bug bug);
std::optional<Bug> parse_bug(std::string_view name);

}  // namespace faultline::targets::raft
