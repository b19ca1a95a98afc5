#include "base/base64.h"

#include <gtest/gtest.h>

namespace faultline::base {
namespace {

// RFC 4648 §10 test vectors.
TEST(Base64, EncodesTheRfcVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesWhatItEncodesIncludingEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  for (size_t n = 0; n <= all.size(); n += 37) {
    const std::string bytes = all.substr(0, n);
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << n;
  }
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
}

TEST(Base64, RejectsTextThatIsNotPaddedBase64) {
  EXPECT_FALSE(base64_decode("Zm9").has_value());       // length not a multiple of 4
  EXPECT_FALSE(base64_decode("Zm9!").has_value());      // outside the alphabet
  EXPECT_FALSE(base64_decode("Zg==Zm9v").has_value());  // padding before the end
  EXPECT_FALSE(base64_decode("Z===").has_value());
}

}  // namespace
}  // namespace faultline::base
