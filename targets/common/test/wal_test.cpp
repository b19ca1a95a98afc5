// Tests of the write-ahead log: replay across segments, group commit, rotation and
// removal, and crash recovery simulated by cutting the last segment at every byte.

#include "targets/common/wal.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "targets/common/files.h"
#include "targets/common/test/test_util.h"

namespace faultline::targets::common {
namespace {

namespace fs = std::filesystem;
using testing_util::TempDir;

struct Opened {
  std::unique_ptr<Wal> wal;
  std::vector<std::string> records;
  std::string error;
};

Opened open_wal(const fs::path& dir, WalOptions options = {}) {
  Opened out;
  auto wal = Wal::open(dir, [&](std::string_view r) { out.records.emplace_back(r); }, options);
  if (wal.ok()) {
    out.wal = std::move(wal).value();
  } else {
    out.error = wal.error().message;
  }
  return out;
}

std::vector<std::string> numbered(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("record-" + std::to_string(i));
  return out;
}

void write_raw(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

TEST(Wal, OpenOnAnEmptyDirectoryCreatesTheFirstSegment) {
  TempDir dir;
  auto opened = open_wal(dir / "wal");
  ASSERT_TRUE(opened.wal) << opened.error;
  EXPECT_TRUE(opened.records.empty());
  EXPECT_EQ(opened.wal->current_segment(), 0u);
  EXPECT_TRUE(fs::exists(dir / "wal" / "wal-0000000000000000.log"));
  EXPECT_EQ(Wal::segment_name(7), "wal-0000000000000007.log");
}

TEST(Wal, SyncedRecordsReplayInOrderIncludingEmptyAndBinaryOnes) {
  TempDir dir;
  const std::vector<std::string> records = {"a", "", std::string("\0\xff\x01", 3),
                                            std::string(100000, 'x')};
  {
    auto opened = open_wal(dir.path());
    for (const auto& r : records) opened.wal->append(r);
    EXPECT_GT(opened.wal->unsynced_bytes(), 0u);
    ASSERT_TRUE(opened.wal->sync().ok());
    EXPECT_EQ(opened.wal->unsynced_bytes(), 0u);
  }
  auto reopened = open_wal(dir.path());
  ASSERT_TRUE(reopened.wal) << reopened.error;
  EXPECT_EQ(reopened.records, records);
  EXPECT_EQ(reopened.wal->recovery().records, 4u);
  EXPECT_EQ(reopened.wal->recovery().truncated_bytes, 0u);
}

TEST(Wal, UnsyncedAppendsAreLostLikeInACrash) {
  TempDir dir;
  {
    auto opened = open_wal(dir.path());
    opened.wal->append("durable");
    ASSERT_TRUE(opened.wal->sync().ok());
    opened.wal->append("buffered only");
  }
  EXPECT_EQ(open_wal(dir.path()).records, std::vector<std::string>{"durable"});
}

TEST(Wal, AppendsAfterReopenContinueTheLastSegment) {
  TempDir dir;
  for (int round = 0; round < 3; ++round) {
    auto opened = open_wal(dir.path());
    EXPECT_EQ(opened.records, numbered(0, round));
    opened.wal->append("record-" + std::to_string(round));
    ASSERT_TRUE(opened.wal->sync().ok());
  }
  EXPECT_EQ(open_wal(dir.path()).wal->segments(), std::vector<uint64_t>{0});
}

TEST(Wal, RotateStartsANewSegmentAndReplayCrossesSegments) {
  TempDir dir;
  {
    auto opened = open_wal(dir.path());
    opened.wal->append("one");
    ASSERT_TRUE(opened.wal->rotate().ok());  // syncs "one" first
    opened.wal->append("two");
    ASSERT_TRUE(opened.wal->rotate().ok());
    opened.wal->append("three");
    ASSERT_TRUE(opened.wal->sync().ok());
    EXPECT_EQ(opened.wal->current_segment(), 2u);
    EXPECT_EQ(opened.wal->segments(), (std::vector<uint64_t>{0, 1, 2}));
  }
  auto reopened = open_wal(dir.path());
  EXPECT_EQ(reopened.records, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(reopened.wal->recovery().segments, 3u);
  EXPECT_EQ(reopened.wal->current_segment(), 2u);
}

TEST(Wal, SyncRotatesOnceTheSegmentIsFull) {
  TempDir dir;
  auto opened = open_wal(dir.path(), WalOptions{100});
  for (int i = 0; i < 10; ++i) {
    opened.wal->append(std::string(40, 'r'));
    ASSERT_TRUE(opened.wal->sync().ok());
  }
  // 48 bytes a record: every third sync passes 100 bytes and rotates.
  EXPECT_EQ(opened.wal->current_segment(), 3u);
  EXPECT_EQ(open_wal(dir.path()).records.size(), 10u);
}

TEST(Wal, RemoveSegmentsBeforeKeepsLaterOnesAndTheCurrent) {
  TempDir dir;
  auto opened = open_wal(dir.path());
  for (int i = 0; i < 4; ++i) {
    opened.wal->append("r" + std::to_string(i));
    ASSERT_TRUE(opened.wal->rotate().ok());
  }
  ASSERT_TRUE(opened.wal->remove_segments_before(2).ok());
  EXPECT_EQ(opened.wal->segments(), (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_FALSE(fs::exists(dir / Wal::segment_name(1)));
  ASSERT_TRUE(opened.wal->remove_segments_before(100).ok());
  EXPECT_EQ(opened.wal->segments(), std::vector<uint64_t>{4});
  opened.wal.reset();
  EXPECT_TRUE(open_wal(dir.path()).records.empty());
}

// The crash test: N synced records, then the last record written only partly, at every
// possible length. open() must replay exactly the complete prefix and cut the rest.
TEST(WalCrash, TornLastRecordAtEveryByteRecoversTheCompletePrefix) {
  TempDir dir;
  const fs::path segment = dir / Wal::segment_name(0);
  const std::vector<std::string> synced = numbered(0, 5);
  const std::string last = "the last record, torn by the crash";
  {
    auto opened = open_wal(dir.path());
    for (const auto& r : synced) opened.wal->append(r);
    ASSERT_TRUE(opened.wal->sync().ok());
    opened.wal->append(last);
    ASSERT_TRUE(opened.wal->sync().ok());
    opened.wal->append("never synced");  // lost with the crash
  }
  const std::string full = *read_file(segment);
  const size_t last_start = full.size() - kWalRecordHeaderBytes - last.size();
  for (size_t cut = last_start; cut <= full.size(); ++cut) {
    write_raw(segment, full.substr(0, cut));
    auto opened = open_wal(dir.path());
    ASSERT_TRUE(opened.wal) << opened.error;
    std::vector<std::string> expected = synced;
    if (cut == full.size()) expected.push_back(last);
    EXPECT_EQ(opened.records, expected) << "cut at " << cut;
    const size_t dropped = cut == full.size() ? 0 : cut - last_start;
    EXPECT_EQ(opened.wal->recovery().truncated_bytes, dropped) << "cut at " << cut;
    EXPECT_EQ(fs::file_size(segment), cut == full.size() ? full.size() : last_start);
    if (dropped > 0) {
      EXPECT_NE(opened.wal->recovery().truncated_reason.find("torn record"), std::string::npos);
    }
    // The log continues cleanly after the cut.
    opened.wal->append("after");
    ASSERT_TRUE(opened.wal->sync().ok());
    opened.wal.reset();
    expected.push_back("after");
    EXPECT_EQ(open_wal(dir.path()).records, expected) << "cut at " << cut;
  }
}

TEST(WalCrash, CorruptByteInTheLastRecordIsCutOff) {
  TempDir dir;
  const fs::path segment = dir / Wal::segment_name(0);
  {
    auto opened = open_wal(dir.path());
    opened.wal->append("good");
    opened.wal->append("bad");
    ASSERT_TRUE(opened.wal->sync().ok());
  }
  std::string bytes = *read_file(segment);
  for (size_t at = 12; at < bytes.size(); ++at) {  // every byte of the second record
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
    write_raw(segment, damaged);
    auto opened = open_wal(dir.path());
    ASSERT_TRUE(opened.wal) << opened.error;
    EXPECT_EQ(opened.records, std::vector<std::string>{"good"}) << "byte " << at;
    EXPECT_EQ(opened.wal->recovery().truncated_bytes, 11u) << "byte " << at;
    EXPECT_EQ(describe(opened.wal->recovery()).rfind("1 WAL records in 1 segments (torn tail: ", 0), 0u)
        << describe(opened.wal->recovery());
  }
}

TEST(WalCrash, DamageInAnEarlierSegmentIsAnErrorAndNothingIsCut) {
  TempDir dir;
  {
    auto opened = open_wal(dir.path());
    opened.wal->append("old");
    ASSERT_TRUE(opened.wal->rotate().ok());
    opened.wal->append("new");
    ASSERT_TRUE(opened.wal->sync().ok());
  }
  const fs::path first = dir / Wal::segment_name(0);
  const std::string bytes = *read_file(first);
  write_raw(first, bytes.substr(0, bytes.size() - 1));
  auto opened = open_wal(dir.path());
  EXPECT_FALSE(opened.wal);
  EXPECT_NE(opened.error.find("not the last segment"), std::string::npos) << opened.error;
  EXPECT_EQ(fs::file_size(first), bytes.size() - 1);
}

TEST(WalCrash, AMissingSegmentIsAnError) {
  TempDir dir;
  {
    auto opened = open_wal(dir.path());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(opened.wal->rotate().ok());
  }
  fs::remove(dir / Wal::segment_name(1));
  auto opened = open_wal(dir.path());
  EXPECT_FALSE(opened.wal);
  EXPECT_NE(opened.error.find("segment missing"), std::string::npos) << opened.error;
}

TEST(WalCrash, ForeignFilesInTheDirectoryAreIgnored) {
  TempDir dir;
  write_raw(dir / "snapshot", "not a segment");
  write_raw(dir / "wal-12.log", "short name");
  auto opened = open_wal(dir.path());
  ASSERT_TRUE(opened.wal) << opened.error;
  EXPECT_EQ(opened.wal->segments(), std::vector<uint64_t>{0});
}

}  // namespace
}  // namespace faultline::targets::common
