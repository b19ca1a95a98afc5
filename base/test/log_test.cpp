// Log line timestamps: what the servers write and what the log checker reads back.
#include "base/log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace faultline::base {
namespace {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(LogTimestamps, ALineWrittenWithTimestampsReadsBackTheTimeItWasWritten) {
  set_log_timestamps(true);
  const int64_t before = now_us();
  testing::internal::CaptureStderr();
  FL_LOG(Info, "n2: role leader term " << 7);
  const std::string line = testing::internal::GetCapturedStderr();
  const int64_t after = now_us();
  set_log_timestamps(false);
  ASSERT_EQ(line.substr(28), "info: n2: role leader term 7\n") << line;
  const auto at = log_line_time_us(line);
  ASSERT_TRUE(at.has_value()) << line;
  EXPECT_GE(*at, before);
  EXPECT_LE(*at, after);
}

TEST(LogTimestamps, WithoutTimestampsALineStartsWithItsLevel) {
  testing::internal::CaptureStderr();
  FL_LOG(Warn, "n1: stopped");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "warning: n1: stopped\n");
}

TEST(LogTimestamps, ParsesTheUtcTimeToTheMicrosecond) {
  EXPECT_EQ(log_line_time_us("2026-12-02T17:53:10.123456Z info: n2: vote term 3 for n1"), 1796233990123456);
  EXPECT_EQ(log_line_time_us("1970-01-01T00:00:00.000001Z x"), 1);
}

TEST(LogTimestamps, ALineWithoutTheWholeStampHasNoTime) {
  EXPECT_FALSE(log_line_time_us("info: n2: role leader term 7"));
  EXPECT_FALSE(log_line_time_us("2026-12-02T17:53:10.123456Z"));         // no space after it
  EXPECT_FALSE(log_line_time_us("2026-12-02T17:53:10.12345Z info: x"));  // five fraction digits
  EXPECT_FALSE(log_line_time_us("2026-12-02 17:53:10.123456Z info: x"));
  EXPECT_FALSE(log_line_time_us(""));
}

}  // namespace
}  // namespace faultline::base
