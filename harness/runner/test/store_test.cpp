#include "base/test/temp_dir.h"
#include "harness/runner/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>

namespace faultline::harness::runner {
namespace {

namespace fs = std::filesystem;

using base::TempDir;

TEST(Store, EachRunGetsItsOwnDirectoryAndLatestPointsAtTheNewest) {
  TempDir tmp;
  auto first = create_run_dir(tmp.path(), "raft-register");
  auto second = create_run_dir(tmp.path(), "raft-register");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
  EXPECT_EQ(first->parent_path(), tmp.path() / "raft-register");
  EXPECT_TRUE(fs::is_symlink(tmp.path() / "latest"));
  EXPECT_EQ(fs::canonical(tmp.path() / "latest"), fs::canonical(*second));
  EXPECT_EQ(fs::canonical(tmp.path() / "raft-register" / "latest"), fs::canonical(*second));
  // Relative, so a moved store still resolves.
  EXPECT_TRUE(fs::read_symlink(tmp.path() / "latest").is_relative());
}

TEST(Store, RunsStartedAtTheSameMomentNeverShareADirectory) {
  // Parallel lanes of one store (scripts/bug_matrix.sh) once wrote two histories into
  // one file this way.
  TempDir tmp;
  std::vector<fs::path> dirs(16);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < dirs.size(); ++i)
    threads.emplace_back([&, i] { dirs[i] = *create_run_dir(tmp.path(), "same-test"); });
  for (auto& t : threads) t.join();
  std::set<fs::path> distinct(dirs.begin(), dirs.end());
  EXPECT_EQ(distinct.size(), dirs.size());
}

TEST(Store, UnwritableStoreIsAnErrorNamingThePath) {
  auto dir = create_run_dir("/proc/faultline-no-such-store", "t");
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().message.find("/proc/faultline-no-such-store"), std::string::npos);
}

}  // namespace
}  // namespace faultline::harness::runner
