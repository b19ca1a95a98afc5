#include "targets/raft/core/log.h"

#include <gtest/gtest.h>

namespace faultline::targets::raft {
namespace {

Entry entry(Index index, Term term, std::string data = "") {
  Entry e;
  e.index = index;
  e.term = term;
  e.data = std::move(data);
  return e;
}

RaftLog log_with_terms(std::initializer_list<Term> terms) {
  RaftLog log;
  Index i = 1;
  for (Term t : terms) {
    log.append(entry(i, t, "c" + std::to_string(i)));
    ++i;
  }
  return log;
}

TEST(RaftLog, EmptyLogStartsAtIndexOneWithTermZero) {
  RaftLog log;
  EXPECT_EQ(log.first_index(), 1u);
  EXPECT_EQ(log.last_index(), 0u);
  EXPECT_EQ(log.last_term(), 0u);
  EXPECT_EQ(log.term_at(0), 0u);
  EXPECT_EQ(log.term_at(1), std::nullopt);
}

TEST(RaftLog, EqualLogsHaveEqualPrefixHashesAndADifferentEntryChangesEveryLaterHash) {
  RaftLog a = log_with_terms({1, 1, 2, 3});
  RaftLog b = log_with_terms({1, 1, 2, 3});
  for (Index i = 0; i <= 4; ++i) EXPECT_EQ(a.prefix_hash(i), b.prefix_hash(i));
  b.truncate_after(2);
  b.append(entry(3, 3, "other"));
  b.append(entry(4, 3, "c5"));
  EXPECT_EQ(a.prefix_hash(2), b.prefix_hash(2));
  EXPECT_NE(a.prefix_hash(3), b.prefix_hash(3));
  EXPECT_NE(a.prefix_hash(4), b.prefix_hash(4));
}

TEST(RaftLog, SnapshotPointKeepsAMatchingSuffixAndItsHashes) {
  RaftLog log = log_with_terms({1, 1, 2, 3});
  const uint64_t hash4 = log.prefix_hash(4);
  SnapshotMeta meta{2, 1, log.prefix_hash(2), {}};
  log.restore_snapshot_point(meta);
  EXPECT_EQ(log.first_index(), 3u);
  EXPECT_EQ(log.last_index(), 4u);
  EXPECT_EQ(log.term_at(1), std::nullopt);
  EXPECT_EQ(log.term_at(2), 1u);
  EXPECT_EQ(log.prefix_hash(4), hash4);
}

TEST(RaftLog, SnapshotPointThatDoesNotMatchReplacesTheWholeLog) {
  RaftLog log = log_with_terms({1, 1, 2});
  log.restore_snapshot_point(SnapshotMeta{5, 4, 77, {}});
  EXPECT_EQ(log.last_index(), 5u);
  EXPECT_EQ(log.last_term(), 4u);
  EXPECT_EQ(log.prefix_hash(5), 77u);
  log.append(entry(6, 4));
  EXPECT_EQ(log.slice(6, 6, 10).size(), 1u);
}

TEST(RaftLog, ConflictHintSkipsWholeTermsAboveTheLeadersTerm) {
  // Raft §5.3's optimisation: back up past every entry whose term is above the
  // leader's term at that index in one step.
  RaftLog log = log_with_terms({1, 1, 4, 4, 4, 5});
  EXPECT_EQ(log.last_index_with_term_at_most(6, 3), 2u);
  EXPECT_EQ(log.last_index_with_term_at_most(6, 4), 5u);
  EXPECT_EQ(log.last_index_with_term_at_most(9, 9), 6u);
}

TEST(RaftLog, SliceReturnsAtMostTheRequestedCount) {
  RaftLog log = log_with_terms({1, 1, 1, 1, 1});
  EXPECT_EQ(log.slice(2, 5, 2).size(), 2u);
  EXPECT_EQ(log.slice(2, 9, 100).size(), 4u);
  EXPECT_EQ(log.slice(2, 5, 0).size(), 1u);
}

}  // namespace
}  // namespace faultline::targets::raft
