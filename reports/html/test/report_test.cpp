// report.html: escaping of everything that comes from a history or a log, the sections of
// a valid and an invalid run, and a 100,000-op history.

#include "base/test/temp_dir.h"
#include "reports/html/report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "history/reader.h"

namespace faultline::reports::html {
namespace {

namespace fs = std::filesystem;
using history::Op;
using history::OpType;
using history::Process;
using history::Value;

using base::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Value read_json(const fs::path& p) { return Value::parse(slurp(p)); }

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Op op(int64_t index, int64_t time_ns, int64_t process, OpType type, std::string f, Value value) {
  Op o;
  o.index = index;
  o.time = time_ns;
  o.process = Process::client(process);
  o.type = type;
  o.f = std::move(f);
  o.value = std::move(value);
  return o;
}

Op nemesis(int64_t index, int64_t time_ns, std::string f, Value value) {
  Op o;
  o.index = index;
  o.time = time_ns;
  o.process = Process::named("nemesis");
  o.type = OpType::Info;
  o.f = std::move(f);
  o.value = std::move(value);
  return o;
}

std::string write(const ReportInput& input, const fs::path& file) {
  auto status = write_report(input, file);
  EXPECT_TRUE(status.ok()) << (status.ok() ? "" : status.error().message);
  return slurp(file);
}

TEST(ReportEscaping, EscapeHtmlEscapesTheFiveCharacters) {
  EXPECT_EQ(escape_html("<a href=\"x\" title='y'>&</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(escape_html("plain ü"), "plain ü");
}

TEST(ReportEscaping, JsonForScriptNeverContainsAClosingTag) {
  const Value v = {{"a", "</script><script>alert(1)</script>"},
                   {"b", "<!-- x -->"},
                   {"c", "a & b > c \u2028 \u2029"},
                   {"</script>", {1, "</SCRIPT>"}}};
  const std::string s = json_for_script(v);
  EXPECT_EQ(s.find("</"), std::string::npos);
  EXPECT_EQ(s.find("<!--"), std::string::npos);
  EXPECT_EQ(s.find('<'), std::string::npos);
  EXPECT_EQ(s.find("\u2028"), std::string::npos);
  EXPECT_EQ(Value::parse(s), v);  // the same value, read back
}

// Every field a history, a checker's result, a config or a log list can carry, hostile.
TEST(ReportEscaping, HostileHistoryLeavesNoRawScriptInThePage) {
  const std::string evil = "<script>alert(1)</script>\"'";
  std::vector<Op> h;
  for (int i = 0; i < 4; ++i) {
    Op inv = op(2 * i, 1'000'000 * (i + 1), i % 2, OpType::Invoke, evil + "f", evil);
    inv.key = Value(evil);
    inv.node = evil + "node";
    Op done = inv;
    done.index = 2 * i + 1;
    done.time += 500'000;
    done.type = i == 3 ? OpType::Fail : OpType::Ok;
    done.error = i == 3 ? Value(evil + "error") : Value();
    done.value = Value::array({evil, evil});
    h.push_back(inv);
    h.push_back(done);
  }
  h.push_back(nemesis(8, 1'200'000, "start-" + evil, {{"requested", evil}}));
  h.push_back(nemesis(9, 3'200'000, "stop-" + evil, {{"applied", evil}}));

  ReportInput in;
  in.history = &h;
  in.test = {{"config", {{"test_name", evil}, {"seed", evil}, {"workload", evil}, {evil, evil}}},
             {"versions", evil}};
  const Value ref = {{"index", 2}, {"process", 1}, {"f", evil}, {"value", evil}, {"type", "ok"}};
  Value problem = {{"key", evil}, {"verdict", "invalid"}};
  problem["counterexample"]["failed_op"] = ref;
  problem["counterexample"]["state_before_failed_op"] = evil;
  problem["counterexample"]["prefix_length"] = 1;
  problem["counterexample"]["prefix_tail"] = Value::array(
      {{{"op", {{"index", 0}, {"process", 0}, {"f", evil}, {"value", evil}}}, {"state_after", evil}}});
  problem["counterexample"]["concurrent_ops"] = Value::array({ref});
  Value lin = {{"verdict", "invalid"}, {"model", evil}, {"warnings", Value::array({evil})}};
  lin["problems"] = Value::array({problem, {{"key", evil}, {"verdict", "unknown"}, {"reason", evil}}});
  const Value one = {{"count", 1}, {"elements", Value::array({evil})}};
  Value set_key = {{"key", evil}, {"verdict", evil}, {"lost", one}, {"phantom", one},
                   {"unrecovered", one}, {"stale_reads", 1}};
  set_key["stale"] = Value::array({{{"read_index", 6}, {"missing_count", 1}, {"missing", Value::array({evil})}}});
  in.results = {{"verdict", "invalid"}, {"warnings", Value::array({evil})}, {"linearizable", lin}};
  in.results["set"] = {{"verdict", "invalid"}, {"keys", Value::array({set_key})}};
  in.results["stats"]["verdict"] = "valid";
  in.results["stats"]["by_f"][evil + "f"]["ok"]["p50_ms"] = evil;
  in.results["logs"] = {{"verdict", "invalid"}, {"files", 1}, {"lines", 9}, {"total_matches", 1},
                        {"matches", Value::array({{{"file", evil}, {"line", 3}, {"pattern", evil}, {"text", evil}}})}};
  in.logs = {{evil, evil + "/raft.log"}, {"n1", "javascript:alert(1)"}};
  in.warnings = {evil};
  in.plots = {{evil, evil, "/nonexistent/" + evil + ".svg", "/nonexistent/x.png"}};

  TempDir dir;
  const std::string page = write(in, dir.path() / "report.html");
  EXPECT_EQ(lower(page).find("<script>alert"), std::string::npos);
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  // Only our two script elements: the data block and the page's script.
  EXPECT_EQ(count(lower(page), "<script"), 2u);
  EXPECT_EQ(count(lower(page), "</script"), 2u);
  EXPECT_EQ(page.find("href=\"javascript:"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;"), std::string::npos);
  // The data block parses and carries the values intact.
  const size_t open = page.find("id=\"fl-data\">") + 13;
  const Value data = Value::parse(page.substr(open, page.find("</script>", open) - open));
  EXPECT_EQ(data["keys"][0], evil);
  EXPECT_EQ(data["nodes"][0], evil + "node");
  EXPECT_EQ(data["errs"][0], evil + "error");
}

class ReportOfRunDir : public ::testing::Test {
 protected:
  ReportInput load(const fs::path& run) {
    ReportInput in;
    in.test = read_json(run / "test.json");
    in.results = read_json(run / "results.json");
    auto ops = history::read_all(run / "history.jsonl", history::Format::Jsonl);
    EXPECT_TRUE(ops.ok());
    history_ = std::move(*ops);
    in.history = &history_;
    for (const char* n : {"n1", "n2", "n3"})
      if (fs::exists(run / n / "raft.log")) in.logs.emplace_back(n, std::string(n) + "/raft.log");
    return in;
  }
  std::vector<Op> history_;
};

TEST_F(ReportOfRunDir, InvalidRunShowsItsCounterexampleAndLinksIntoTheTimeline) {
  const fs::path run = fs::path(FAULTLINE_SOURCE_DIR) / "tests/fixtures/rundir-invalid";
  ReportInput in = load(run);
  TempDir dir;
  const std::string page = write(in, dir.path() / "report.html");
  EXPECT_NE(page.find("<header class=\"banner v-invalid\">"), std::string::npos);
  for (const char* id : {"summary", "counterexample", "timeline", "operations", "availability",
                         "plots", "config", "logs", "fl-data", "tl-canvas", "ce-0", "ce-1"})
    EXPECT_NE(page.find("id=\"" + std::string(id) + "\""), std::string::npos) << id;
  EXPECT_NE(page.find("<svg class=\"ce\""), std::string::npos);
  EXPECT_NE(page.find("This op cannot be linearized: <a href=\"#op-246\">#246</a>"), std::string::npos);
  EXPECT_NE(page.find("<td>cannot be linearized</td>"), std::string::npos);
  EXPECT_NE(page.find("<a href=\"n1/raft.log\">"), std::string::npos);
  EXPECT_NE(page.find("inside partition"), std::string::npos);
  EXPECT_NE(page.find("seed 8716037292694122550"), std::string::npos);
  // The failed ops are outlined in the timeline.
  const size_t open = page.find("id=\"fl-data\">") + 13;
  const Value data = Value::parse(page.substr(open, page.find("</script>", open) - open));
  ASSERT_EQ(data["marks"].size(), 2u);
  EXPECT_EQ(data["ops"][data["marks"][0].get<size_t>()][7], 246);
  EXPECT_EQ(data["faults"], Value::array({"partition"}));
  EXPECT_EQ(data["windows"].size(), 1u);
}

TEST_F(ReportOfRunDir, ValidRunHasEverySectionAndNoCounterexample) {
  const fs::path run = fs::path(FAULTLINE_SOURCE_DIR) / "tests/fixtures/rundir-invalid";
  ReportInput in = load(run);
  in.results["verdict"] = "valid";
  in.results["linearizable"]["verdict"] = "valid";
  in.results["linearizable"]["problems"] = Value::array();
  TempDir dir;
  const std::string page = write(in, dir.path() / "report.html");
  EXPECT_NE(page.find("<header class=\"banner v-valid\">"), std::string::npos);
  for (const char* id : {"summary", "counterexample", "timeline", "operations", "plots", "config", "logs"})
    EXPECT_NE(page.find("id=\"" + std::string(id) + "\""), std::string::npos) << id;
  EXPECT_NE(page.find("Every key is linearizable"), std::string::npos);
  EXPECT_EQ(page.find("<svg class=\"ce\""), std::string::npos);
}

TEST(ReportPlots, InlinesAnSvgAndNotesAMissingOne) {
  TempDir dir;
  {
    std::ofstream svg(dir.path() / "latency.svg");
    svg << "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"></svg>";
    std::ofstream png(dir.path() / "latency.png");
    png << "png";
  }
  ReportInput in;
  in.plots = {{"latency", "Latency", dir.path() / "latency.svg", dir.path() / "latency.png"},
              {"throughput", "Throughput", dir.path() / "throughput.svg", dir.path() / "throughput.png"}};
  const std::string page = write(in, dir.path() / "report.html");
  EXPECT_NE(page.find("src=\"data:image/svg+xml;base64,PD94bWwg"), std::string::npos);
  EXPECT_NE(page.find("<a href=\"latency.png\">"), std::string::npos);
  EXPECT_NE(page.find("throughput.svg is missing: plot skipped"), std::string::npos);
}

TEST(ReportSet, ListsLostAndStaleElementsWithLinksToTheirOps) {
  std::vector<Op> h = {op(0, 1000, 0, OpType::Invoke, "add", 1), op(1, 2000, 0, OpType::Ok, "add", 1),
                       op(2, 3000, 1, OpType::Invoke, "add", 2), op(3, 4000, 1, OpType::Ok, "add", 2),
                       op(4, 5000, 0, OpType::Invoke, "read", nullptr),
                       op(5, 6000, 0, OpType::Ok, "read", Value::array({1})),
                       op(6, 7000, 1, OpType::Invoke, "read", nullptr),
                       op(7, 8000, 1, OpType::Ok, "read", Value::array({1, 3}))};
  ReportInput in;
  in.history = &h;
  in.results = {{"verdict", "invalid"},
                {"set",
                 {{"verdict", "invalid"},
                  {"lost", 1},
                  {"keys",
                   {{{"key", nullptr},
                     {"verdict", "invalid"},
                     {"final_read_index", 6},
                     {"lost", {{"count", 1}, {"elements", {2}}}},
                     {"phantom", {{"count", 1}, {"elements", {3}}}},
                     {"stale", {{{"read_index", 4}, {"missing_count", 1}, {"missing", {2}}}}},
                     {"stale_reads", 1}}}}}}};
  TempDir dir;
  const std::string page = write(in, dir.path() / "report.html");
  EXPECT_NE(page.find("id=\"set-anomalies\""), std::string::npos);
  EXPECT_NE(page.find("<li><code>2</code> <a href=\"#op-2\">#2</a></li>"), std::string::npos);  // lost: its add
  EXPECT_NE(page.find("<li><code>3</code> <a href=\"#op-6\">#6</a></li>"), std::string::npos);  // phantom: its read
  EXPECT_NE(page.find("<td><a href=\"#op-4\">#4</a></td>"), std::string::npos);                  // stale read
}

TEST(ReportErrors, AnUnwritableFileIsAnErrorNamingIt) {
  ReportInput in;
  auto status = write_report(in, "/nonexistent-dir/report.html");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("/nonexistent-dir/report.html"), std::string::npos);
}

// 100,000 client operations (200,000 events) on 10 processes with nemesis windows.
std::vector<Op> big_history(int64_t operations) {
  std::vector<Op> h;
  h.reserve(static_cast<size_t>(operations * 2 + 64));
  int64_t index = 0, t = 0;
  for (int64_t i = 0; i < operations; ++i) {
    t += 100'000;
    const int64_t p = i % 10;
    if (i % 10'000 == 5'000) h.push_back(nemesis(index++, t, "start-partition", {{"requested", {{"n1", {"n2"}}}}}));
    if (i % 10'000 == 9'000) h.push_back(nemesis(index++, t, "stop-partition", {{"requested", {}}}));
    Op inv = op(index++, t, p, OpType::Invoke, i % 3 ? "read" : "write", i % 3 ? Value() : Value(i % 5));
    inv.key = Value("r" + std::to_string(i % 4));
    inv.node = "n" + std::to_string(p % 5 + 1);
    Op done = inv;
    done.index = index++;
    done.time = t + 700'000;
    done.type = i % 97 == 0 ? OpType::Info : i % 13 == 0 ? OpType::Fail : OpType::Ok;
    if (done.type != OpType::Ok) done.error = "timeout";
    if (i % 3) done.value = i % 5;
    h.push_back(std::move(inv));
    h.push_back(std::move(done));
  }
  // Completions come after invokes of other processes: keep per-process order by time.
  std::stable_sort(h.begin(), h.end(), [](const Op& a, const Op& b) { return a.time < b.time; });
  for (size_t i = 0; i < h.size(); ++i) h[i].index = static_cast<int64_t>(i);
  return h;
}

TEST(ReportSpeed, HundredThousandOpHistoryIsWrittenQuickly) {
  const std::vector<Op> h = big_history(100'000);
  ReportInput in;
  in.history = &h;
  in.results = {{"verdict", "valid"}, {"linearizable", {{"verdict", "valid"}, {"problems", Value::array()}}}};
  TempDir dir;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(write_report(in, dir.path() / "report.html").ok());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto size = fs::file_size(dir.path() / "report.html");
  std::printf("report of %zu events (100,000 operations): %.3f s, %.1f MB\n", h.size(), s, size / 1e6);
  EXPECT_LT(size, 100u * 100'000u);  // under 100 bytes per operation
  EXPECT_GT(size, 20u * 100'000u);   // and every operation is in it
}

}  // namespace
}  // namespace faultline::reports::html
