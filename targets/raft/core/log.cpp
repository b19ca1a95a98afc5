#include "targets/raft/core/log.h"

#include <algorithm>

#include "base/log.h"
#include "base/random.h"

namespace faultline::targets::raft {

uint64_t chain_hash(uint64_t previous, const Entry& entry) {
  // FNV-1a over the command, then mixed with the position: cheap, and identical on
  // every build, which std::hash is not.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : entry.data) h = (h ^ c) * 0x100000001b3ULL;
  h ^= static_cast<uint64_t>(entry.type) << 56;
  return base::mix64(previous ^ base::mix64(h ^ base::mix64(entry.term * 0x9e3779b97f4a7c15ULL +
                                                             entry.index)));
}

Term RaftLog::last_term() const {
  return entries_.empty() ? snapshot_.term : entries_.back().entry.term;
}

std::optional<Term> RaftLog::term_at(Index index) const {
  if (index == snapshot_.index) return snapshot_.term;
  if (index < snapshot_.index || index > last_index()) return std::nullopt;
  return entries_[index - first_index()].entry.term;
}

uint64_t RaftLog::prefix_hash(Index index) const {
  if (index == snapshot_.index) return snapshot_.prefix_hash;
  FL_CHECK(index > snapshot_.index && index <= last_index());
  return entries_[index - first_index()].hash;
}

const Entry& RaftLog::at(Index index) const {
  FL_CHECK(index >= first_index() && index <= last_index());
  return entries_[index - first_index()].entry;
}

std::vector<Entry> RaftLog::slice(Index from, Index to, size_t max_count) const {
  FL_CHECK(from >= first_index());
  std::vector<Entry> out;
  for (Index i = from; i <= std::min(to, last_index()) && out.size() < std::max<size_t>(1, max_count); ++i)
    out.push_back(at(i));
  return out;
}

void RaftLog::append(Entry entry) {
  FL_CHECK(entry.index == last_index() + 1);
  const uint64_t hash = chain_hash(prefix_hash(last_index()), entry);
  entries_.push_back(Slot{std::move(entry), hash});
}

void RaftLog::truncate_after(Index index) {
  FL_CHECK(index >= snapshot_.index);
  if (index < last_index()) entries_.resize(index - snapshot_.index);
}

void RaftLog::restore_snapshot_point(const SnapshotMeta& meta) {
  if (meta.index <= snapshot_.index) return;
  const auto term = term_at(meta.index);
  if (term && *term == meta.term) {
    entries_.erase(entries_.begin(), entries_.begin() + (meta.index - snapshot_.index));
  } else {
    entries_.clear();
  }
  snapshot_ = meta;
}

Index RaftLog::last_index_with_term_at_most(Index index, Term term) const {
  index = std::min(index, last_index());
  while (index > snapshot_.index && at(index).term > term) --index;
  return std::max(index, snapshot_.index);
}

}  // namespace faultline::targets::raft
