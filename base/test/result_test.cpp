#include "base/result.h"

#include <gtest/gtest.h>

namespace faultline::base {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Error{std::string("not a digit: ") + c};
  return c - '0';
}

TEST(Result, CarriesValueOnSuccess) {
  auto r = parse_digit('7');
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 7);
}

TEST(Result, CarriesMessageOnError) {
  auto r = parse_digit('x');
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "not a digit: x");
}

}  // namespace
}  // namespace faultline::base
