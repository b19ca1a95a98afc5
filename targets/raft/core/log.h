#pragma once
// RaftLog: the in-memory log of one Raft node — a snapshot point followed by the
// entries after it (Raft §5.3, §7). Each entry carries a chained hash of the whole log
// up to it, so two logs can be compared at any index in O(1) (the simulator's
// log-matching check uses it). Owned by the Raft core; not thread-safe.

#include <cstdint>
#include <optional>
#include <vector>

#include "targets/raft/core/types.h"

namespace faultline::targets::raft {

// The chained hash of a log whose entry at `entry.index` follows a prefix hashing to
// `previous`. Stable across builds and machines: it is persisted in snapshot metadata.
uint64_t chain_hash(uint64_t previous, const Entry& entry);

class RaftLog {
 public:
  RaftLog() = default;

  // The snapshot point: entries up to meta.index are gone. Index 0 / term 0 when none.
  const SnapshotMeta& snapshot_meta() const { return snapshot_; }
  Index first_index() const { return snapshot_.index + 1; }
  Index last_index() const { return snapshot_.index + entries_.size(); }
  Term last_term() const;

  // The term at `index`, for snapshot_meta().index <= index <= last_index(); nullopt
  // outside that range (compacted or not yet written).
  std::optional<Term> term_at(Index index) const;
  // The chained hash at `index`, same range as term_at. Precondition: in range.
  uint64_t prefix_hash(Index index) const;
  // Precondition: first_index() <= index <= last_index().
  const Entry& at(Index index) const;

  // Entries [from, to], at most `max_count` of them (at least one if the range is
  // non-empty). Precondition: first_index() <= from.
  std::vector<Entry> slice(Index from, Index to, size_t max_count) const;

  // Appends at last_index() + 1. Precondition: entry.index == last_index() + 1.
  void append(Entry entry);
  // Drops every entry after `index`. Precondition: index >= snapshot_meta().index.
  void truncate_after(Index index);
  // Moves the snapshot point to `meta`: entries up to meta.index are dropped; if the
  // log holds meta.index with meta.term the suffix is kept, otherwise the whole log is
  // replaced by the snapshot (Raft §7, "if existing log entry has same index and term
  // as snapshot's last included entry, retain log entries following it").
  void restore_snapshot_point(const SnapshotMeta& meta);

  // The index of the last entry with term <= `term` at or before `index`, or the
  // snapshot point: where a rejected AppendEntries should resume (etcd's
  // findConflictByTerm, an optimisation of §5.3's one-by-one back-off).
  Index last_index_with_term_at_most(Index index, Term term) const;

 private:
  struct Slot {
    Entry entry;
    uint64_t hash;
  };
  SnapshotMeta snapshot_;
  std::vector<Slot> entries_;  // entries_[i] has index snapshot_.index + 1 + i
};

}  // namespace faultline::targets::raft
