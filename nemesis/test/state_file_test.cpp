// The nemesis state file: what heal must undo after a controller crash survives a
// write and a read unchanged, writes are atomic, and a damaged file is an error that
// names it.

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "nemesis/state_file.h"

namespace faultline::nemesis {
namespace {

namespace fs = std::filesystem;

class StateFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fl-nemstate-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

NemesisState sample() {
  NemesisState s;
  add_net_rule(s, "n1", "INPUT -s 10.77.0.12 -j DROP");
  add_net_rule(s, "n1", "INPUT -s 10.77.0.13 -j DROP");
  add_paused(s, "n2", 4242);
  add_paused(s, "n2", 17);
  add_killed(s, "n3");
  set_clock_offset(s, "n4", -250);
  return s;
}

TEST_F(StateFile, RoundTripKeepsEveryEntry) {
  const fs::path p = state_path(dir_);
  ASSERT_TRUE(write_state(p, sample()).ok());
  auto back = read_state(p);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, sample());
  EXPECT_EQ(back->net_rules.at("n1").at(1), "INPUT -s 10.77.0.13 -j DROP");
}

TEST_F(StateFile, MissingFileIsTheEmptyState) {
  auto s = read_state(dir_ / "never-written.json");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->empty());
}

TEST_F(StateFile, WriteReplacesAtomicallyAndLeavesNoTemporaryFile) {
  const fs::path p = state_path(dir_);
  ASSERT_TRUE(write_state(p, sample()).ok());
  ASSERT_TRUE(write_state(p, NemesisState{}).ok());
  EXPECT_FALSE(fs::exists(p.string() + ".tmp"));
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir_)) files.push_back(e.path().filename());
  EXPECT_EQ(files, std::vector<fs::path>{kStateFileName});
  auto back = read_state(p);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->empty());
}

TEST_F(StateFile, FailedWriteLeavesTheOldFile) {
  const fs::path p = state_path(dir_);
  ASSERT_TRUE(write_state(p, sample()).ok());
  // The temporary file's name is taken by a directory: the write must fail, say
  // which file, and leave the previous state readable.
  fs::create_directory(p.string() + ".tmp");
  auto s = write_state(p, NemesisState{});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find(p.string()), std::string::npos) << s.error().message;
  auto back = read_state(p);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, sample());
}

TEST_F(StateFile, MalformedFileIsAnErrorNamingTheFile) {
  const fs::path p = state_path(dir_);
  for (const std::string text : {"{not json", "[]", "{\"version\": 2}", "{}",
                                 "{\"version\": 1, \"paused\": {\"n1\": [\"x\"]}}",
                                 "{\"version\": 1, \"partitions\": {}}"}) {
    std::ofstream(p, std::ios::trunc) << text;
    auto s = read_state(p);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_NE(s.error().message.find(p.string()), std::string::npos) << s.error().message;
  }
  std::ofstream(p, std::ios::trunc) << "{\"version\": 1, \"paused\": {\"n1\": [\"x\"]}}";
  EXPECT_NE(read_state(p).error().message.find("paused.n1"), std::string::npos);
}

TEST_F(StateFile, HealingEveryEntryGivesTheEmptyState) {
  NemesisState s = sample();
  clear_net_rules(s, "n1");
  remove_paused(s, "n2", 4242);
  EXPECT_FALSE(s.empty());
  remove_paused(s, "n2", 17);
  remove_paused(s, "n9", 1);  // absent: no-op
  remove_killed(s, "n3");
  set_clock_offset(s, "n4", 0);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s, NemesisState{});
}

TEST_F(StateFile, AFrozenClockIsRecordedUntilItsResetAndHealsResetIt) {
  const fs::path p = state_path(dir_);
  ASSERT_TRUE(update_state(p, [](NemesisState& s) { add_clock_frozen(s, "n5"); }).ok());
  auto back = read_state(p);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->clock_frozen, std::set<NodeName>{"n5"});
  EXPECT_FALSE(back->empty());
  set_clock_offset(*back, "n2", 300);
  EXPECT_EQ(clocks_to_reset(*back), (std::set<NodeName>{"n2", "n5"}));
  clear_clock_offset(*back, "n5");
  clear_clock_offset(*back, "n2");
  EXPECT_TRUE(back->empty());
  EXPECT_EQ(*back, NemesisState{});
}

TEST_F(StateFile, UpdateReadsChangesAndWrites) {
  const fs::path p = state_path(dir_);
  ASSERT_TRUE(update_state(p, [](NemesisState& s) { add_killed(s, "n2"); }).ok());
  ASSERT_TRUE(update_state(p, [](NemesisState& s) { add_paused(s, "n1", 9); }).ok());
  auto back = read_state(p);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->killed, std::set<NodeName>{"n2"});
  EXPECT_EQ(back->paused.at("n1"), std::set<int>{9});
}

}  // namespace
}  // namespace faultline::nemesis

namespace faultline::nemesis {
namespace {


TEST_F(StateFile, KeepsTheTargetProcessRecordWhichIsNotAFault) {
  const std::filesystem::path p = dir_ / kStateFileName;
  NemesisState s;
  s.process = ProcessRecord{"/opt/faultline/raft.pid", "start 'it''s' &", "faultline-raft"};
  EXPECT_TRUE(s.empty());
  ASSERT_TRUE(write_state(p, s).ok());
  auto back = read_state(p);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
}

}  // namespace
}  // namespace faultline::nemesis
