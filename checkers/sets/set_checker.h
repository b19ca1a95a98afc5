#pragma once
// The set checker (lost commits, Jepsen's set-full in spirit): a pure function of a
// history of `add` ops (value: the element) and `read` ops (value: the list read), per
// key (the op's "key" field; ops without a key form one set). The final read of a key
// is its last ok read (the one whose ok comes last in the history).
//   lost      an add acknowledged ok before the final read was invoked that the final
//             read does not contain
//   phantom   an element read (in any ok read) that no add of that key ever tried to add
//   failed_read  an element read whose every add ended fail ("it certainly did not
//             happen", DESIGN.md)
//   recovered an add that ended info (or never completed) and is in the final read;
//             unrecovered: the same, not in the final read (neither is an error)
//   late      an add acknowledged ok only after the final read was invoked and not in
//             it: it may take effect after that read, so it is neither lost nor seen
//   stale     a read that misses an element whose add was acknowledged before the read
//             was invoked, though the final read has it (not linearizable)
// "Before" is history order: the add's ok line comes before the read's invoke line.
// Elements are compared as JSON values (integers by value, 1 and 1.0 differ).
// Verdict per key: invalid if anything is lost, phantom, failed_read or stale; unknown
// if an add was tried on the key but it has no ok read at all, or if some element is
// late; else valid. The history's verdict: invalid if any key is, else unknown if any
// key is or the history holds no add or read, else valid.
// Ops are paired by process (one outstanding op per process); ops of named processes
// (the nemesis) and ops with other f's are skipped. Thread-safe (no shared state).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "checkers/verdict.h"
#include "history/op.h"

namespace faultline::checkers::sets {

struct StaleRead {
  int64_t read_index = -1;              // the read's invoke index in the history, or -1
  int64_t line = 0;                     // the read's invoke line
  int64_t missing_count = 0;            // all the elements it misses
  std::vector<history::Value> missing;  // elements acknowledged before it, not in it
                                        // (at most kMaxMissingReported, sorted)
  static constexpr size_t kMaxMissingReported = 100;
};

struct KeySetResult {
  history::Value key;  // null for the keyless set
  Verdict verdict = Verdict::Valid;
  int64_t attempted = 0;     // adds invoked
  int64_t acknowledged = 0;  // adds ok
  int64_t reads = 0;         // ok reads
  int64_t final_size = 0;    // distinct elements in the final read
  int64_t final_read_index = -1;  // the final read's invoke index, or -1
  // Each list holds distinct elements, sorted.
  std::vector<history::Value> lost;
  std::vector<history::Value> phantom;
  std::vector<history::Value> failed_read;
  std::vector<history::Value> recovered;
  std::vector<history::Value> unrecovered;
  std::vector<history::Value> late;
  std::vector<StaleRead> stale;  // the first kMaxStaleReported, in history order
  int64_t stale_reads = 0;       // all of them
  std::string reason;            // unknown: why
  static constexpr size_t kMaxStaleReported = 20;
};

struct SetResult {
  Verdict verdict = Verdict::Valid;
  std::string reason;              // unknown with no key to blame: why
  std::vector<KeySetResult> keys;  // in key order (JSON value order)
  int64_t lost = 0, phantom = 0, failed_read = 0, stale_reads = 0, recovered = 0,
          unrecovered = 0, late = 0, attempted = 0, acknowledged = 0;
};

// Errors (an add without a value, an ok read whose value is not a list, a process that
// invokes while its op is pending, a completion without an invoke or whose f differs
// from the invoke's) name the line. A stray `info` with no invoke is skipped (Jepsen
// writes those for crashed processes).
base::Result<SetResult> check_set(const std::vector<history::Op>& history);

// JSON for results.json: counts, verdict, and the element lists (capped at
// kMaxListedInJson each; the counts are always complete).
inline constexpr size_t kMaxListedInJson = 100;
history::Value to_json(const SetResult& result);

}  // namespace faultline::checkers::sets
