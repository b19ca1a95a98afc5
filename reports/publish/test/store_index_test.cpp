// store/index.html (reports/publish/store_index.h): runs newest first, incomplete runs
// marked, the trend per test oldest to newest, suites listed, every value escaped.

#include "reports/publish/store_index.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "reports/publish/test/fake_store.h"

namespace faultline::reports::publish {
namespace {

using namespace testing;
namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

TEST(StoreIndex, ListsRunsNewestFirstAcrossTests) {
  TempDir store("index-order");
  make_run(store.path(), "raft-register", "20261202T050822.086Z", test_json("raft-register", "register"),
           valid_register_results());
  make_run(store.path(), "raft-set", "20261202T051226.375Z", test_json("raft-set", "set"), lost_set_results());
  make_run(store.path(), "raft-register", "20261203T010000.000Z", test_json("raft-register", "register"),
           invalid_register_results());
  const StoreContents c = scan_store(store.path());
  ASSERT_EQ(c.runs.size(), 3u);
  EXPECT_EQ(c.runs[0].time, "20261203T010000.000Z");
  EXPECT_EQ(c.runs[1].time, "20261202T051226.375Z");
  EXPECT_EQ(c.runs[2].time, "20261202T050822.086Z");
  EXPECT_EQ(c.runs[0].verdict, "invalid");
  EXPECT_EQ(c.runs[2].ops, 107);
  EXPECT_EQ(c.runs[2].info, 2);

  const std::string page = render_store_index(c, store.path());
  const size_t newest = page.find("2026-12-03 01:00:00Z</td>");
  const size_t middle = page.find("2026-12-02 05:12:26Z</td>");
  const size_t oldest = page.find("2026-12-02 05:08:22Z</td>");
  ASSERT_NE(newest, std::string::npos);
  EXPECT_LT(newest, middle);
  EXPECT_LT(middle, oldest);
  EXPECT_NE(page.find("<span class=\"badge v-invalid\">linearizable: invalid</span>"), std::string::npos);
  EXPECT_NE(page.find("href=\"raft-set/20261202T051226.375Z/results.json\""), std::string::npos);
  EXPECT_NE(page.find("<option value=\"set\">set</option>"), std::string::npos);
  EXPECT_NE(page.find("data-verdict=\"invalid\""), std::string::npos);
}

TEST(StoreIndex, TrendOfATestRunsOldestToNewest) {
  TempDir store("index-trend");
  make_run(store.path(), "t", "20261201T000000.000Z", test_json("t", "register"), invalid_register_results());
  make_run(store.path(), "t", "20261202T000000.000Z", test_json("t", "register"), valid_register_results());
  const std::string page = render_store_index(scan_store(store.path()), store.path());
  const size_t red = page.find("class=\"sq v-invalid\"");
  const size_t green = page.find("class=\"sq v-valid\"");
  ASSERT_NE(red, std::string::npos);
  ASSERT_NE(green, std::string::npos);
  EXPECT_LT(red, green);
  EXPECT_NE(page.find(">1/2</td>"), std::string::npos);
}

TEST(StoreIndex, MarksIncompleteRunsAndSkipsSymlinksAndStrayDirectories) {
  TempDir store("index-incomplete");
  const auto dir = make_run(store.path(), "raft-register", "20261202T050822.086Z",
                            test_json("raft-register", "register"), nullptr);
  fs::create_directory_symlink(dir.filename(), dir.parent_path() / "latest");
  fs::create_directories(store.path() / "raft-register" / "not-a-run");
  const StoreContents c = scan_store(store.path());
  ASSERT_EQ(c.runs.size(), 1u);
  EXPECT_FALSE(c.runs[0].complete);
  EXPECT_EQ(c.runs[0].verdict, "incomplete");
  const std::string page = render_store_index(c, store.path());
  EXPECT_NE(page.find("<span class=\"badge v-incomplete\">incomplete</span>"), std::string::npos);
  EXPECT_NE(page.find("1 runs, 0 invalid, 1 incomplete"), std::string::npos);
}

TEST(StoreIndex, MalformedResultsAreAWarningNotAFailure) {
  TempDir store("index-malformed");
  const auto dir = make_run(store.path(), "t", "20261202T050822.086Z", test_json("t", "set"), nullptr);
  std::ofstream(dir / "results.json") << "{\"verdict\": ";
  const StoreContents c = scan_store(store.path());
  ASSERT_EQ(c.runs.size(), 1u);
  EXPECT_EQ(c.runs[0].verdict, "incomplete");
  ASSERT_EQ(c.runs[0].warnings.size(), 1u);
  EXPECT_NE(c.runs[0].warnings[0].find("results.json: not JSON"), std::string::npos);
  EXPECT_TRUE(write_store_index(store.path()).ok());
}

TEST(StoreIndex, EscapesAHostileTestName) {
  TempDir store("index-hostile");
  const std::string hostile = "<script>alert(\"x\")</script>'&\x01";
  Value test = test_json(hostile, "<img src=x onerror=alert(1)>");
  test["config"]["nemesis"] = "\"><script>alert(2)</script>";
  test["config"]["bugs"] = Value::array({"</td><script>"});
  Value results = invalid_register_results();
  results["warnings"] = Value::array({"\"><script>alert(3)</script>"});
  // A directory name cannot hold '/', so the directory gets its own hostile name.
  make_run(store.path(), "<b onmouseover=\"x\">'&\x01", "20261202T050822.086Z", test, results);
  ASSERT_TRUE(write_store_index(store.path()).ok());
  const std::string page = read_file(store.path() / "index.html");
  EXPECT_EQ(count(page, "<script"), 1u) << "only the page's own script";
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;\\x01"), std::string::npos);
  // The link to the run: every byte of the directory name percent-encoded.
  EXPECT_EQ(page.find("<b "), std::string::npos);
  EXPECT_NE(page.find("href=\"%3Cb%20onmouseover%3D%22x%22%3E%27%26%01/20261202T050822.086Z/results.json\""),
            std::string::npos);
  for (char ch : page)
    EXPECT_FALSE(static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t' && ch != '\r');
}

TEST(StoreIndex, ListsSuites) {
  TempDir store("index-suites");
  const auto dir = store.path() / "suites" / "nightly" / "20261202T060000.000Z";
  fs::create_directories(dir);
  write_json(dir / "suite.json",
             Value{{"name", "nightly"}, {"exit_code", 1}, {"tests", {{{"runs", {Value::object(), Value::object()}}}}}});
  const StoreContents c = scan_store(store.path());
  EXPECT_TRUE(c.runs.empty());
  ASSERT_EQ(c.suites.size(), 1u);
  EXPECT_EQ(c.suites[0].runs, 2);
  const std::string page = render_store_index(c, store.path());
  EXPECT_NE(page.find("href=\"suites/nightly/20261202T060000.000Z/results.xml\""), std::string::npos);
  EXPECT_NE(page.find("invalid (exit 1)"), std::string::npos);
}

TEST(StoreIndex, WriteFailureNamesTheFile) {
  TempDir root("index-missing");
  auto s = write_store_index(root.path() / "no-such-store");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("no-such-store/index.html"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace faultline::reports::publish
