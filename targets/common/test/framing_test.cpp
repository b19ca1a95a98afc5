// Tests of length-prefixed framing and of the CRC-32C used by the WAL.

#include "targets/common/framing.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "targets/common/crc32c.h"

namespace faultline::targets::common {
namespace {

std::vector<std::string> pop_all(FrameDecoder& d) {
  std::vector<std::string> out;
  while (auto f = d.pop()) out.push_back(std::move(*f));
  return out;
}

TEST(Framing, HeaderIsLittleEndianLength) {
  std::string out;
  append_frame(out, "abc");
  EXPECT_EQ(out, std::string("\x03\x00\x00\x00" "abc", 7));
  out.clear();
  append_frame(out, std::string(0x0102, 'x'));
  EXPECT_EQ(out.substr(0, 4), std::string("\x02\x01\x00\x00", 4));
}

TEST(Framing, DecodesFramesSplitAtEveryPoint) {
  const std::vector<std::string> frames = {"first", "", std::string(300, 'z'), "last"};
  std::string stream;
  for (const auto& f : frames) append_frame(stream, f);
  for (size_t cut1 = 0; cut1 <= stream.size(); ++cut1) {
    for (size_t cut2 = cut1; cut2 <= stream.size(); cut2 += 7) {
      FrameDecoder d;
      ASSERT_TRUE(d.feed(std::string_view(stream).substr(0, cut1)).ok());
      ASSERT_TRUE(d.feed(std::string_view(stream).substr(cut1, cut2 - cut1)).ok());
      ASSERT_TRUE(d.feed(std::string_view(stream).substr(cut2)).ok());
      EXPECT_EQ(pop_all(d), frames) << "cuts at " << cut1 << " and " << cut2;
      EXPECT_EQ(d.partial_bytes(), 0u);
    }
  }
}

TEST(Framing, DecodesOneByteAtATime) {
  std::string stream;
  append_frame(stream, "one");
  append_frame(stream, "two");
  FrameDecoder d;
  std::vector<std::string> got;
  for (char c : stream) {
    ASSERT_TRUE(d.feed(std::string_view(&c, 1)).ok());
    for (auto& f : pop_all(d)) got.push_back(f);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two"}));
}

TEST(Framing, FrameOfExactlyTheMaximumIsAccepted) {
  FrameDecoder d(16);
  std::string stream;
  append_frame(stream, std::string(16, 'm'));
  ASSERT_TRUE(d.feed(stream).ok());
  EXPECT_EQ(pop_all(d), std::vector<std::string>{std::string(16, 'm')});
}

TEST(Framing, OversizeHeaderIsAStickyErrorAfterEarlierFrames) {
  std::string stream;
  append_frame(stream, "ok");
  append_frame(stream, std::string(17, 'x'));
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    FrameDecoder d(16);
    auto first = d.feed(std::string_view(stream).substr(0, cut));
    auto second = first.ok() ? d.feed(std::string_view(stream).substr(cut)) : first;
    ASSERT_FALSE(second.ok()) << "cut at " << cut;
    EXPECT_EQ(second.error().message, "frame of 17 bytes exceeds the maximum of 16");
    EXPECT_TRUE(d.failed());
    EXPECT_EQ(pop_all(d), std::vector<std::string>{"ok"});
    EXPECT_FALSE(d.feed("more").ok());
  }
}

TEST(Framing, DefaultMaximumIs64MiB) {
  EXPECT_EQ(FrameDecoder().max_frame_bytes(), size_t{64} << 20);
  FrameDecoder d;
  // 64 MiB + 1 announced: rejected from the header alone, nothing is buffered.
  const uint32_t len = (uint32_t{64} << 20) + 1;
  const char header[4] = {static_cast<char>(len), static_cast<char>(len >> 8),
                          static_cast<char>(len >> 16), static_cast<char>(len >> 24)};
  EXPECT_FALSE(d.feed(std::string_view(header, 4)).ok());
}

TEST(Crc32c, MatchesTheStandardCheckValue) {
  // The CRC-32C check value (RFC 3720, iSCSI).
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720 B.4
}

TEST(Crc32c, ChainsOverPieces) {
  EXPECT_EQ(crc32c("6789", crc32c("12345")), crc32c("123456789"));
}

}  // namespace
}  // namespace faultline::targets::common
