// Tests of whole-file reads and atomic replacement.

#include "targets/common/files.h"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "targets/common/test/test_util.h"

namespace faultline::targets::common {
namespace {

namespace fs = std::filesystem;
using testing_util::TempDir;

TEST(Files, AtomicWriteCreatesAndReplacesWholly) {
  TempDir dir;
  const fs::path path = dir / "hard_state";
  ASSERT_TRUE(atomic_write_file(path, "term=1").ok());
  EXPECT_EQ(*read_file(path), "term=1");
  const std::string binary("\0\x01\x02", 3);
  ASSERT_TRUE(atomic_write_file(path, binary).ok());
  EXPECT_EQ(*read_file(path), binary);
  EXPECT_FALSE(fs::exists(dir / "hard_state.tmp"));
}

TEST(Files, AtomicWriteOfEmptyAndLargeContents) {
  TempDir dir;
  ASSERT_TRUE(atomic_write_file(dir / "empty", "").ok());
  EXPECT_EQ(*read_file(dir / "empty"), "");
  const std::string big(3 << 20, 's');
  ASSERT_TRUE(atomic_write_file(dir / "snapshot", big).ok());
  EXPECT_EQ(*read_file(dir / "snapshot"), big);
}

TEST(Files, ErrorsNameThePath) {
  TempDir dir;
  auto missing = read_file(dir / "missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing: cannot open: No such file or directory"),
            std::string::npos)
      << missing.error().message;
  auto status = atomic_write_file(dir / "no" / "such" / "dir", "x");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("cannot create"), std::string::npos);
  EXPECT_FALSE(fsync_dir(dir / "nope").ok());
  EXPECT_TRUE(fsync_dir(dir.path()).ok());
}

}  // namespace
}  // namespace faultline::targets::common
