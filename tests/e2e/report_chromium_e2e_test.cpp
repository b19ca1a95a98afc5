// report.html opened in a real browser (Debian's chromium, headless): the report of an
// invalid run (tests/fixtures/rundir-invalid) loads without console errors, its script
// runs to the end, the screenshot is not blank, and the counterexample is in the DOM.
// A #op-<index> link selects that op. Skips itself when chromium is not installed.

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#ifdef FAULTLINE_HAVE_ZLIB
#include <zlib.h>
#endif

#include "history/reader.h"
#include "reports/html/report.h"

namespace {

namespace fs = std::filesystem;
using faultline::history::Value;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string find_chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a shell command; returns its exit status.
int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class ReportInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = find_chromium();
    if (chromium_.empty()) GTEST_SKIP() << "chromium is not installed (apt-get install chromium)";
    dir_ = fs::temp_directory_path() / ("fl-report-chromium-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const fs::path fixture = fs::path(FAULTLINE_SOURCE_DIR) / "tests/fixtures/rundir-invalid";
    fs::copy(fixture, dir_ / "run", fs::copy_options::recursive);

    faultline::reports::html::ReportInput in;
    in.test = Value::parse(slurp(dir_ / "run/test.json"));
    in.results = Value::parse(slurp(dir_ / "run/results.json"));
    auto ops = faultline::history::read_all(dir_ / "run/history.jsonl", faultline::history::Format::Jsonl);
    ASSERT_TRUE(ops.ok()) << ops.error().message;
    history_ = std::move(*ops);
    in.history = &history_;
    for (const char* n : {"n1", "n2", "n3"}) in.logs.emplace_back(n, std::string(n) + "/raft.log");
    in.warnings = {"gnuplot not found: no plots"};
    report_ = dir_ / "run/report.html";
    auto status = faultline::reports::html::write_report(in, report_);
    ASSERT_TRUE(status.ok()) << status.error().message;
  }
  void TearDown() override {
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  // chromium --headless with its own profile; stderr (console messages) to `log`.
  int chromium(const std::string& args, const std::string& url, const fs::path& out, const fs::path& log) {
    const std::string cmd = "timeout 90 " + quote(chromium_) +
                            " --headless --no-sandbox --disable-gpu --no-first-run "
                            "--disable-dev-shm-usage --user-data-dir=" + quote((dir_ / "profile").string()) +
                            " --enable-logging=stderr --v=0 --virtual-time-budget=5000 " + args + " " +
                            quote(url) + " >" + quote(out.string()) + " 2>" + quote(log.string());
    return run(cmd);
  }

  std::string url() const { return "file://" + report_.string(); }

  std::string chromium_;
  fs::path dir_, report_;
  std::vector<faultline::history::Op> history_;
};

// Console messages of the page: chromium logs them as ":CONSOLE(line)] ..." and
// uncaught exceptions as "Uncaught ...".
std::vector<std::string> console_errors(const std::string& log) {
  std::vector<std::string> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.find("CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos)
      out.push_back(line);
  return out;
}

struct Png {
  uint32_t width = 0, height = 0;
  int color_type = -1, bit_depth = 0;
  std::string idat;
};

uint32_t be32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

bool parse_png(const std::string& bytes, Png& png) {
  if (bytes.size() < 8 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return false;
  for (size_t at = 8; at + 12 <= bytes.size();) {
    const uint32_t len = be32(bytes, at);
    const std::string type = bytes.substr(at + 4, 4);
    if (at + 12 + len > bytes.size()) return false;
    if (type == "IHDR") {
      png.width = be32(bytes, at + 8);
      png.height = be32(bytes, at + 12);
      png.bit_depth = uint8_t(bytes[at + 16]);
      png.color_type = uint8_t(bytes[at + 17]);
    } else if (type == "IDAT") {
      png.idat += bytes.substr(at + 8, len);
    }
    at += 12 + len;
  }
  return png.width > 0 && png.height > 0;
}

#ifdef FAULTLINE_HAVE_ZLIB
// Distinct colours and the share of the most common one, from the decoded pixels
// (8-bit RGB or RGBA, the PNG filters undone).
bool colour_stats(const Png& png, size_t& distinct, double& top_share) {
  if (png.bit_depth != 8 || (png.color_type != 2 && png.color_type != 6)) return false;
  const size_t bpp = png.color_type == 6 ? 4 : 3, stride = png.width * bpp;
  std::vector<uint8_t> raw((stride + 1) * png.height);
  uLongf size = raw.size();
  if (uncompress(raw.data(), &size, reinterpret_cast<const Bytef*>(png.idat.data()), png.idat.size()) != Z_OK)
    return false;
  std::vector<uint8_t> prev(stride, 0), cur(stride);
  std::map<uint32_t, size_t> counts;
  for (uint32_t y = 0; y < png.height; ++y) {
    const uint8_t filter = raw[y * (stride + 1)];
    const uint8_t* in = &raw[y * (stride + 1) + 1];
    for (size_t x = 0; x < stride; ++x) {
      const int a = x >= bpp ? cur[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0;
      int pred = 0;
      switch (filter) {
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) / 2; break;
        case 4: {
          const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: pred = 0;
      }
      cur[x] = uint8_t(in[x] + pred);
    }
    for (size_t x = 0; x < stride; x += bpp) counts[(uint32_t(cur[x]) << 16) | (uint32_t(cur[x + 1]) << 8) | cur[x + 2]]++;
    prev.swap(cur);
  }
  size_t top = 0;
  for (const auto& [colour, n] : counts) top = std::max(top, n);
  distinct = counts.size();
  top_share = double(top) / double(size_t(png.width) * png.height);
  return true;
}
#endif

TEST_F(ReportInChromium, InvalidRunRendersWithoutErrorsAndShowsItsCounterexample) {
  // The DOM after the scripts ran.
  const fs::path dom = dir_ / "dom.html", dom_log = dir_ / "dom.log";
  ASSERT_EQ(chromium("--dump-dom", url(), dom, dom_log), 0) << slurp(dom_log);
  const std::string html = slurp(dom);
  EXPECT_NE(html.find("id=\"counterexample\""), std::string::npos);
  EXPECT_NE(html.find("<svg class=\"ce\""), std::string::npos);
  EXPECT_NE(html.find("This op cannot be linearized"), std::string::npos);
  // The page's script ran to its last line (it marks the body when done).
  EXPECT_NE(html.find("data-timeline-ops=\"151\""), std::string::npos);
  EXPECT_EQ(console_errors(slurp(dom_log)), std::vector<std::string>{});

  // A screenshot that is not blank.
  const fs::path shot = dir_ / "shot.png", shot_log = dir_ / "shot.log";
  ASSERT_EQ(chromium("--screenshot=" + quote(shot.string()) + " --window-size=1280,2000", url(),
                     dir_ / "shot.out", shot_log),
            0)
      << slurp(shot_log);
  EXPECT_EQ(console_errors(slurp(shot_log)), std::vector<std::string>{});
  const std::string png_bytes = slurp(shot);
  EXPECT_GT(png_bytes.size(), 20'000u);  // a blank 1280x2000 PNG is a few KB
  Png png;
  ASSERT_TRUE(parse_png(png_bytes, png));
  EXPECT_EQ(png.width, 1280u);
#ifdef FAULTLINE_HAVE_ZLIB
  size_t distinct = 0;
  double top_share = 1;
  ASSERT_TRUE(colour_stats(png, distinct, top_share));
  EXPECT_GT(distinct, 16u);       // banner, text, timeline colours
  EXPECT_LT(top_share, 0.95);     // not one colour with specks
#endif
}

TEST_F(ReportInChromium, AnOpLinkSelectsTheOpInTheTimeline) {
  const fs::path dom = dir_ / "dom-link.html", log = dir_ / "dom-link.log";
  ASSERT_EQ(chromium("--dump-dom", url() + "#op-246", dom, log), 0) << slurp(log);
  const std::string html = slurp(dom);
  const size_t detail = html.find("id=\"tl-detail\"");
  ASSERT_NE(detail, std::string::npos);
  const std::string text = html.substr(detail, html.find("</div>", detail) - detail);
  EXPECT_NE(text.find("#246"), std::string::npos) << text;
  EXPECT_NE(text.find("read r0 1"), std::string::npos) << text;
  EXPECT_EQ(console_errors(slurp(log)), std::vector<std::string>{});
}

}  // namespace
