// HoldQueue: when the delay helper lets each held packet go.

#include "nemesis/delay/hold_queue.h"

#include <gtest/gtest.h>

namespace faultline::nemesis::delay {
namespace {

constexpr int64_t kMs = 1'000'000;

TEST(HoldQueue, WithoutJitterEveryPacketWaitsExactlyTheDelay) {
  HoldQueue q(40, 0, 1);
  EXPECT_EQ(q.hold(1, 0), 40 * kMs);
  EXPECT_EQ(q.hold(2, 5 * kMs), 45 * kMs);
  EXPECT_TRUE(q.due(40 * kMs - 1).empty());
  EXPECT_EQ(q.due(40 * kMs), (std::vector<uint32_t>{1}));
  EXPECT_EQ(q.next_release_ns(), 45 * kMs);
  EXPECT_EQ(q.due(100 * kMs), (std::vector<uint32_t>{2}));
  EXPECT_EQ(q.next_release_ns(), std::nullopt);
}

TEST(HoldQueue, JitterStaysWithinItsBoundsAndPacketsLeaveInArrivalOrder) {
  HoldQueue q(40, 30, 7);
  int64_t previous = 0, shortest = INT64_MAX, longest = 0;
  for (uint32_t id = 0; id < 10'000; ++id) {
    const int64_t now = id * kMs / 4;  // 4 packets per ms, much denser than the jitter
    const int64_t release = q.hold(id, now);
    EXPECT_GE(release, previous) << "packet " << id << " would overtake the one before";
    EXPECT_GE(release, now + 10 * kMs);
    // A packet waits at most its own draw (<= delay + jitter) or for the one ahead.
    EXPECT_LE(release, std::max(previous, now + 70 * kMs));
    shortest = std::min(shortest, release - now);
    longest = std::max(longest, release - now);
    previous = release;
  }
  EXPECT_LE(longest, 70 * kMs);
  // Sparse traffic sees the whole spread: each packet gets its own draw.
  HoldQueue sparse(40, 30, 7);
  shortest = INT64_MAX;
  longest = 0;
  for (uint32_t id = 0; id < 1000; ++id) {
    const int64_t now = id * 100 * kMs;
    const int64_t wait = sparse.hold(id, now) - now;
    shortest = std::min(shortest, wait);
    longest = std::max(longest, wait);
  }
  EXPECT_LT(shortest, 15 * kMs);
  EXPECT_GT(longest, 65 * kMs);
}

TEST(HoldQueue, DueReturnsPacketsInArrivalOrderAndDrainTakesTheRest) {
  HoldQueue q(10, 5, 3);
  for (uint32_t id = 0; id < 100; ++id) q.hold(id, id * kMs);
  std::vector<uint32_t> seen = q.due(60 * kMs);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i);
  const size_t first = seen.size();
  EXPECT_GT(first, 0u);
  EXPECT_EQ(q.size(), 100 - first);
  const std::vector<uint32_t> rest = q.drain();
  ASSERT_EQ(rest.size(), 100 - first);
  EXPECT_EQ(rest.front(), first);
  EXPECT_EQ(q.size(), 0u);
}

TEST(HoldQueue, TheSameSeedGivesTheSameReleases) {
  HoldQueue a(40, 30, 99), b(40, 30, 99), c(40, 30, 100);
  bool differs = false;
  for (uint32_t id = 0; id < 100; ++id) {
    const int64_t now = id * 50 * kMs;
    const int64_t ra = a.hold(id, now);
    EXPECT_EQ(ra, b.hold(id, now));
    differs = differs || ra != c.hold(id, now);
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace faultline::nemesis::delay
