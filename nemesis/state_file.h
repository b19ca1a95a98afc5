#pragma once
// The nemesis state file: what faults are applied to the nodes right now, as JSON in
// the run's state directory. The nemesis rewrites it (atomically: temporary file,
// fsync, rename, fsync of the directory) every time it applies or heals something, so
// after a controller crash `faultline cluster heal` can read it and undo exactly that.
// Pure data plus file functions; there must be ONE writer per file (the nemesis
// thread), readers may run at any time and always see a whole file.
//
// Format (version 1; every key optional except "version"):
//   {"version": 1,
//    "net_rules": {"n1": ["<rule>", ...]},   // opaque, owned by the network backend
//    "paused": {"n2": [4242]},               // pids stopped with SIGSTOP
//    "killed": ["n3"],                       // nodes whose process was SIGKILLed
//    "clock_offsets_ms": {"n4": 250},        // clock skew applied per node
//    "clock_frozen": ["n5"],                 // nodes whose clock stands still
//    "process": {"pidfile": "...", "start_command": "...", "expect": "..."}}
//                                            // how to find and restart the target
//                                            // (recorded by ProcessFaults; not a fault)

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "nemesis/faults.h"

namespace faultline::nemesis {

inline constexpr const char* kStateFileName = "nemesis.json";
inline constexpr int kStateFileVersion = 1;

// The target process as ProcessFaults knows it (process_faults.h ProcessSpec): enough
// for a heal after a crash to resume and restart it with the same pid checks.
struct ProcessRecord {
  std::string pidfile;
  std::string start_command;
  std::string expect;
  bool operator==(const ProcessRecord&) const = default;
};

struct NemesisState {
  // Network rules (partitions, loss) per node, in the order applied. Each string is
  // whatever the network backend needs to delete that rule again; this file does not
  // look inside.
  std::map<NodeName, std::vector<std::string>> net_rules;
  std::map<NodeName, std::set<int>> paused;  // node -> pids stopped
  std::set<NodeName> killed;
  std::map<NodeName, int64_t> clock_offsets_ms;
  std::set<NodeName> clock_frozen;
  std::optional<ProcessRecord> process;  // metadata: not counted by empty()

  // True when no fault is applied (a healed cluster).
  bool empty() const;
  bool operator==(const NemesisState&) const = default;
};

// <state_dir>/nemesis.json
std::filesystem::path state_path(const std::filesystem::path& state_dir);

// Reads the file. A file that does not exist is an empty state (nothing was ever
// applied); an unreadable or malformed file, or an unknown version or key, is an error
// naming the file (and the key).
base::Result<NemesisState> read_state(const std::filesystem::path& path);

// Writes `state` to `path` atomically: `path`.tmp is written and fsynced, renamed
// over `path`, and the directory is fsynced. On error `path` is left as it was and the
// message names the file.
base::Status write_state(const std::filesystem::path& path, const NemesisState& state);

// Reads, applies `change`, writes. For the single writer only (see above).
base::Status update_state(const std::filesystem::path& path,
                          const std::function<void(NemesisState&)>& change);

// Entry helpers. Removing something absent is a no-op; empty per-node entries are
// erased, so a fully healed state is empty() and compares equal to NemesisState{}.
void add_net_rule(NemesisState& s, const NodeName& node, const std::string& rule);
void clear_net_rules(NemesisState& s, const NodeName& node);
void add_paused(NemesisState& s, const NodeName& node, int pid);
void remove_paused(NemesisState& s, const NodeName& node, int pid);
void clear_paused(NemesisState& s, const NodeName& node);
void add_killed(NemesisState& s, const NodeName& node);
void remove_killed(NemesisState& s, const NodeName& node);
// An offset of 0 erases the entry (the clock is back in step).
void set_clock_offset(NemesisState& s, const NodeName& node, int64_t offset_ms);
// Also unfreezes: a reset puts the clock back in step and running.
void clear_clock_offset(NemesisState& s, const NodeName& node);
void add_clock_frozen(NemesisState& s, const NodeName& node);
// Every node whose clock a heal must reset: skewed or frozen, in name order.
std::set<NodeName> clocks_to_reset(const NemesisState& s);

}  // namespace faultline::nemesis
