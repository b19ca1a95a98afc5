// Tests of the message codec: varints, zigzag, length-prefixed bytes, and that the
// Decoder fails cleanly (never out of bounds) on truncated or overlong input.

#include "targets/common/codec.h"

#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace faultline::targets::common {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

// One of every field type, with edge values.
std::string sample_message() {
  Encoder e;
  e.put_u8(255);
  e.put_u32(std::numeric_limits<uint32_t>::max());
  e.put_u64(std::numeric_limits<uint64_t>::max());
  e.put_i64(std::numeric_limits<int64_t>::min());
  e.put_i64(-1);
  e.put_bool(true);
  e.put_string("hello");
  e.put_bytes(std::string("a\0b", 3));
  e.put_string("");
  return e.take();
}

TEST(Codec, RoundTripsEveryFieldType) {
  const std::string msg = sample_message();
  Decoder d(msg);
  uint8_t u8 = 0;
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  int64_t min = 0, minus_one = 0;
  bool flag = false;
  std::string text, binary, empty = "x";
  ASSERT_TRUE(d.get_u8(u8));
  ASSERT_TRUE(d.get_u32(u32));
  ASSERT_TRUE(d.get_u64(u64));
  ASSERT_TRUE(d.get_i64(min));
  ASSERT_TRUE(d.get_i64(minus_one));
  ASSERT_TRUE(d.get_bool(flag));
  ASSERT_TRUE(d.get_string(text));
  ASSERT_TRUE(d.get_bytes(binary));
  ASSERT_TRUE(d.get_string(empty));
  EXPECT_TRUE(d.finish().ok());
  EXPECT_EQ(u8, 255);
  EXPECT_EQ(u32, std::numeric_limits<uint32_t>::max());
  EXPECT_EQ(u64, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(min, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(minus_one, -1);
  EXPECT_TRUE(flag);
  EXPECT_EQ(text, "hello");
  EXPECT_EQ(binary, std::string("a\0b", 3));
  EXPECT_EQ(empty, "");
}

TEST(Codec, VarintsUseLeb128AndZigzag) {
  auto encode_u64 = [](uint64_t v) {
    Encoder e;
    e.put_u64(v);
    return e.take();
  };
  auto encode_i64 = [](int64_t v) {
    Encoder e;
    e.put_i64(v);
    return e.take();
  };
  EXPECT_EQ(encode_u64(0), bytes({0}));
  EXPECT_EQ(encode_u64(127), bytes({0x7f}));
  EXPECT_EQ(encode_u64(128), bytes({0x80, 0x01}));
  EXPECT_EQ(encode_u64(300), bytes({0xac, 0x02}));
  EXPECT_EQ(encode_u64(std::numeric_limits<uint64_t>::max()).size(), 10u);
  EXPECT_EQ(encode_i64(0), bytes({0}));
  EXPECT_EQ(encode_i64(-1), bytes({1}));
  EXPECT_EQ(encode_i64(1), bytes({2}));
  EXPECT_EQ(encode_i64(-64), bytes({0x7f}));
  EXPECT_EQ(encode_i64(std::numeric_limits<int64_t>::max()).size(), 10u);
}

TEST(Codec, EveryTruncationFailsWithoutReadingPastTheEnd) {
  const std::string msg = sample_message();
  for (size_t len = 0; len < msg.size(); ++len) {
    // A copy of exactly `len` bytes, so a read past the end would be a heap overflow
    // under a sanitizer build.
    const std::string prefix = msg.substr(0, len);
    Decoder d(prefix);
    uint8_t u8;
    uint32_t u32;
    uint64_t u64;
    int64_t i64;
    bool flag;
    std::string s;
    const bool all = d.get_u8(u8) && d.get_u32(u32) && d.get_u64(u64) && d.get_i64(i64) &&
                     d.get_i64(i64) && d.get_bool(flag) && d.get_string(s) && d.get_bytes(s) &&
                     d.get_string(s);
    EXPECT_FALSE(all) << "prefix of " << len << " bytes decoded whole";
    EXPECT_FALSE(d.ok());
    EXPECT_NE(d.status().error().message.find("truncated"), std::string::npos)
        << d.status().error().message;
  }
}

TEST(Codec, OverlongAndOutOfRangeVarintsAreRejected) {
  uint64_t u64 = 7;
  const std::string eleven =
      bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
  EXPECT_FALSE(Decoder(eleven).get_u64(u64));
  // Ten bytes whose last holds more than bit 63.
  const std::string too_big = bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02});
  EXPECT_FALSE(Decoder(too_big).get_u64(u64));
  // A redundant zero group: 0 written in two bytes.
  EXPECT_FALSE(Decoder(bytes({0x80, 0x00})).get_u64(u64));
  EXPECT_EQ(u64, 7u) << "a failed getter leaves its output untouched";

  Encoder e;
  e.put_u64(uint64_t{1} << 32);
  uint32_t u32 = 0;
  Decoder d32(e.bytes());
  EXPECT_FALSE(d32.get_u32(u32));
  EXPECT_NE(d32.status().error().message.find("out-of-range u32"), std::string::npos);

  uint8_t u8 = 0;
  EXPECT_FALSE(Decoder(bytes({0x80, 0x02})).get_u8(u8));
  bool flag = false;
  EXPECT_FALSE(Decoder(bytes({2})).get_bool(flag));
}

TEST(Codec, LengthBeyondInputIsTruncationNotAllocation) {
  Encoder e;
  e.put_u64(std::numeric_limits<uint64_t>::max());  // a length no input can hold
  std::string s;
  Decoder d(e.bytes());
  EXPECT_FALSE(d.get_string(s));
  EXPECT_NE(d.status().error().message.find("truncated bytes"), std::string::npos);
}

TEST(Codec, FirstFailureIsStickyAndNamesTheOffset) {
  Encoder e;
  e.put_u32(5);
  e.put_u8(1);
  std::string msg = e.take();
  msg.push_back(static_cast<char>(0x80));  // a varint that never ends
  Decoder d(msg);
  uint32_t a = 0;
  bool b = false;
  uint64_t c = 0;
  ASSERT_TRUE(d.get_u32(a));
  ASSERT_TRUE(d.get_bool(b));
  EXPECT_FALSE(d.get_u64(c));
  EXPECT_EQ(d.status().error().message, "truncated u64 at byte 2");
  uint8_t again = 0;
  EXPECT_FALSE(d.get_u8(again));
  EXPECT_EQ(d.status().error().message, "truncated u64 at byte 2");
}

TEST(Codec, FinishRejectsTrailingBytes) {
  Encoder e;
  e.put_u32(1);
  e.put_u32(2);
  Decoder d(e.bytes());
  uint32_t v = 0;
  ASSERT_TRUE(d.get_u32(v));
  auto status = d.finish();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "1 trailing bytes at byte 1");
}

TEST(Codec, EncoderAppendsAfterPrefixAndTakeEmptiesIt) {
  Encoder e(std::string("T"));
  e.put_u8(3);
  EXPECT_EQ(e.bytes(), bytes({'T', 3}));
  EXPECT_EQ(e.take(), bytes({'T', 3}));
  EXPECT_EQ(e.size(), 0u);
}

TEST(Codec, BytesViewPointsIntoTheInput) {
  Encoder e;
  e.put_bytes("payload");
  const std::string msg = e.take();
  Decoder d(msg);
  std::string_view view;
  ASSERT_TRUE(d.get_bytes_view(view));
  EXPECT_EQ(view, "payload");
  EXPECT_EQ(view.data(), msg.data() + 1);
}

// A count of elements can never promise more elements than there are bytes left, so a
// garbage count cannot make a reader allocate gigabytes.
TEST(Codec, CountBeyondTheInputIsAStickyError) {
  Encoder e;
  e.put_u64(3);
  e.put_u8(1);
  e.put_u8(2);
  e.put_u8(3);
  Decoder ok(e.bytes());
  uint64_t n = 0;
  ASSERT_TRUE(ok.get_count(n));
  EXPECT_EQ(n, 3u);

  Encoder big;
  big.put_u64(1000);
  big.put_u8(1);
  Decoder d(big.bytes());
  n = 7;
  EXPECT_FALSE(d.get_count(n));
  EXPECT_EQ(n, 7u) << "output untouched";
  uint8_t v = 0;
  EXPECT_FALSE(d.get_u8(v));
  EXPECT_EQ(d.error("thing").message, "thing: count beyond the input at byte 0");
}

TEST(Codec, ErrorOfAWellFormedMessageNamesAnInvalidValue) {
  Encoder e;
  e.put_u8(9);
  Decoder d(e.bytes());
  uint8_t v = 0;
  ASSERT_TRUE(d.get_u8(v));
  EXPECT_EQ(d.error("thing").message, "thing: invalid field value");
}

}  // namespace
}  // namespace faultline::targets::common
