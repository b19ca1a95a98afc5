#include "base/random.h"

#include <gtest/gtest.h>

namespace faultline::base {
namespace {

TEST(Random, SameSeedGivesSameSequence) {
  Random a(42), b(42);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u64(), b.next_u64());
}

TEST(Random, DifferentSeedsDiverge) {
  Random a(1), b(2);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += a.next_u64() == b.next_u64();
  EXPECT_EQ(same, 0);
}

TEST(Random, BetweenStaysInRangeAndCoversIt) {
  Random r(7);
  bool seen[5] = {};
  for (int i = 0; i < 1000; ++i) {
    int64_t v = r.between(3, 7);
    ASSERT_GE(v, 3);
    ASSERT_LE(v, 7);
    seen[v - 3] = true;
  }
  for (bool s : seen) EXPECT_TRUE(s);
}

}  // namespace
}  // namespace faultline::base
