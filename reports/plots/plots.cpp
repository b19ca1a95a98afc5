#include "reports/plots/plots.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <exception>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>

#include <gnuplot-iostream.h>

extern char** environ;

namespace faultline::reports::plots {

namespace {

namespace fs = std::filesystem;
using history::Op;
using history::OpType;
using history::Value;

using Point = std::pair<float, float>;  // what gnuplot reads: %float%float records

constexpr int kOk = 0, kFail = 1, kInfo = 2;
constexpr std::array<const char*, 3> kOutcomeName = {"ok", "fail", "info"};
// Jepsen's perf colours, so a faultline plot reads like a Jepsen one.
constexpr std::array<const char*, 3> kOutcomeColour = {"#81BFFC", "#FF1E90", "#FFA400"};

// Fault kinds we know get fixed colours; others take the next unused one of kSpare in
// order of first appearance, so colours are stable for a given history.
const std::map<std::string, std::string, std::less<>>& known_colours() {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"partition", "#E41A1C"}, {"kill", "#984EA3"}, {"pause", "#FF7F00"},
      {"clock", "#377EB8"},     {"loss", "#4DAF4A"}, {"delay", "#A65628"}};
  return m;
}
constexpr std::array<const char*, 6> kSpare = {"#F781BF", "#999999", "#66C2A5",
                                               "#E6AB02", "#1B9E77", "#7570B3"};
// Node lines: dark, so they stand out from the pale fault windows.
constexpr std::array<const char*, 8> kNodeColour = {"#000000", "#1F77B4", "#2CA02C", "#8C564B",
                                                    "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF"};
constexpr double kWindowAlpha = 0.18;
constexpr size_t kMaxLabel = 60;  // longer names from the history are cut in legends

// ---- gnuplot strings ------------------------------------------------------------------

// Replaces bytes that are not valid UTF-8 with '?' so gnuplot's SVG (XML) stays well
// formed, control characters with spaces so a value cannot end a script line, and cuts
// to `max` bytes on a character boundary.
std::string printable(std::string_view s, size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max));
  size_t i = 0;
  while (i < s.size() && out.size() < max) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool valid = len != 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (!valid) {
      out += '?';
      ++i;
    } else if (len == 1) {
      out += (c < 0x20 || c == 0x7F) ? ' ' : static_cast<char>(c);
      ++i;
    } else {
      if (out.size() + len > max) break;
      out.append(s.substr(i, len));
      i += len;
    }
  }
  if (i < s.size()) out += "...";
  return out;
}

// A gnuplot single-quoted string: no escapes are interpreted inside one except '' for
// a quote, and the terminals run `noenhanced`, so ^ _ @ { } are plain text too.
std::string quote(std::string_view s, size_t max = kMaxLabel) {
  std::string out = "'";
  for (char c : printable(s, max)) {
    out += c;
    if (c == '\'') out += '\'';
  }
  out += '\'';
  return out;
}

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// ---- what the history says ------------------------------------------------------------

struct Window {
  std::string kind;
  double start_s = 0, stop_s = -1;  // stop_s < 0: still open
};

struct Extract {
  std::array<std::vector<Point>, 3> latency;      // (invoke time s, latency ms) by outcome
  std::vector<std::array<int64_t, 3>> per_second;  // completions by bucket and outcome
  int64_t bucket_s = 1;  // 1 s, wider only for runs over kMaxBuckets seconds
  int64_t client_ops = 0;
  int64_t unfinished = 0;       // invokes with no completion
  bool unfinished_drawn = false;
  std::vector<Window> windows;
  std::vector<std::string> kinds;                     // first appearance order
  std::map<std::string, std::vector<Point>> clock;    // node -> (time s, offset ms)
  double end_s = 0;
  // The latency points drawn in the SVG: fewer than in the PNG, since every point is
  // an element of the page it is inlined in. What was merged or thinned, for the titles.
  std::array<std::vector<Point>, 3> svg_latency;
  std::string png_note, svg_note;
};

// A time far past any real run (a corrupt history) must not allocate a bucket per second.
constexpr double kMaxBuckets = 1e6;

double seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

// The nemesis writes each fault twice: {"requested": ...} when it asks, then the
// applied op. Histories from elsewhere (Jepsen EDN) have no such wrapper: every
// nemesis op counts as applied there.
bool is_request(const Op& op) { return op.value.is_object() && op.value.contains("requested"); }

void add_clock(const Op& op, Extract& x) {
  const Value& applied = op.value.is_object() && op.value.contains("applied") ? op.value["applied"] : op.value;
  if (!applied.is_object()) return;
  auto it = applied.find("measured_ms");
  if (it == applied.end() || !it->is_object()) return;
  const auto t = static_cast<float>(seconds(op.time));
  for (const auto& [node, offset] : it->items()) {
    if (offset.is_number()) x.clock[node].emplace_back(t, offset.get<float>());
  }
}

void add_nemesis(const Op& op, Extract& x, std::map<std::string, size_t>& open) {
  if (op.time < 0 || is_request(op)) return;
  add_clock(op, x);
  const double t = seconds(op.time);
  if (op.f == "heal") {
    for (const auto& [kind, i] : open) x.windows[i].stop_s = t;
    open.clear();
    return;
  }
  constexpr std::string_view kStart = "start-", kStop = "stop-";
  const std::string_view f = op.f;
  if (f.starts_with(kStart)) {
    std::string kind(f.substr(kStart.size()));
    if (open.count(kind) != 0) return;  // a second start of a fault already on
    if (std::find(x.kinds.begin(), x.kinds.end(), kind) == x.kinds.end()) x.kinds.push_back(kind);
    open[kind] = x.windows.size();
    x.windows.push_back(Window{std::move(kind), t, -1});
  } else if (f.starts_with(kStop)) {
    if (auto it = open.find(std::string(f.substr(kStop.size()))); it != open.end()) {
      x.windows[it->second].stop_s = t;
      open.erase(it);
    }
  }
}

void add_latency(const Op& invoke, int64_t end_ns, int outcome, Extract& x) {
  const double ms = std::max(static_cast<double>(end_ns - invoke.time) / 1e6, 1e-3);  // log axis
  x.latency[outcome].emplace_back(static_cast<float>(seconds(invoke.time)), static_cast<float>(ms));
}

Extract extract(const std::vector<Op>& history, const PlotOptions& options) {
  Extract x;
  int64_t last_ns = 0;
  for (const Op& op : history) last_ns = std::max(last_ns, op.time);
  x.end_s = seconds(last_ns);
  x.bucket_s = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(x.end_s / kMaxBuckets)));
  x.per_second.resize(static_cast<size_t>(x.end_s / static_cast<double>(x.bucket_s)) + 1);

  std::map<int64_t, const Op*> pending;  // client process -> its open invoke
  std::map<std::string, size_t> open;    // fault kind -> its open window
  auto unfinished = [&](const Op& invoke) {
    ++x.unfinished;
    if (options.call_timeout_s > 0 && invoke.time >= 0) {
      x.unfinished_drawn = true;
      add_latency(invoke, invoke.time + static_cast<int64_t>(options.call_timeout_s * 1e9), kInfo, x);
    }
  };
  for (const Op& op : history) {
    if (!op.process.is_client()) {
      add_nemesis(op, x, open);
      continue;
    }
    if (op.type == OpType::Invoke) {
      ++x.client_ops;
      auto [it, inserted] = pending.try_emplace(op.process.id, &op);
      if (!inserted) {
        unfinished(*it->second);
        it->second = &op;
      }
      continue;
    }
    auto it = pending.find(op.process.id);
    if (it == pending.end()) continue;  // a completion with no invoke
    const Op& invoke = *it->second;
    pending.erase(it);
    const int outcome = op.type == OpType::Ok ? kOk : op.type == OpType::Fail ? kFail : kInfo;
    if (op.time >= 0) ++x.per_second[static_cast<size_t>(op.time / (x.bucket_s * 1'000'000'000))][outcome];
    if (invoke.time >= 0 && op.time >= invoke.time) add_latency(invoke, op.time, outcome, x);
  }
  for (const auto& [process, invoke] : pending) unfinished(*invoke);
  for (Window& w : x.windows) {
    if (w.stop_s < 0) w.stop_s = x.end_s;
  }
  return x;
}

// Keeps, per outcome, the first point (in history order) of each cell of a grid about
// as fine as the drawn points (time linear, latency log): the others would be drawn
// over it, so the picture is the same while a 1,000,000-op history draws tens of
// thousands of points, which keeps the SVG (inlined in report.html) small. Returns the
// number of points left.
constexpr int kCellsX = 400, kCellsY = 160;  // about 2 px each at the default size

int64_t merge_overdrawn(std::array<std::vector<Point>, 3>& latency, double end_s) {
  float lo = std::numeric_limits<float>::max(), hi = std::numeric_limits<float>::lowest();
  for (const auto& v : latency) {
    for (const auto& [t, ms] : v) {
      lo = std::min(lo, ms);
      hi = std::max(hi, ms);
    }
  }
  const double log_lo = std::log10(static_cast<double>(lo));
  const double log_span = std::max(std::log10(static_cast<double>(hi)) - log_lo, 1e-9);
  const double t_span = std::max(end_s, 1e-9);
  int64_t left = 0;
  std::vector<bool> seen(static_cast<size_t>(kCellsX) * kCellsY);
  for (auto& v : latency) {
    std::fill(seen.begin(), seen.end(), false);
    size_t w = 0;
    for (const Point& p : v) {
      const auto cx = std::clamp(static_cast<int>(p.first / t_span * kCellsX), 0, kCellsX - 1);
      const auto cy = std::clamp(static_cast<int>((std::log10(static_cast<double>(p.second)) - log_lo) / log_span * kCellsY),
                                 0, kCellsY - 1);
      const size_t cell = static_cast<size_t>(cy) * kCellsX + static_cast<size_t>(cx);
      if (seen[cell]) continue;
      seen[cell] = true;
      v[w++] = p;
    }
    v.resize(w);
    left += static_cast<int64_t>(w);
  }
  return left;
}

// Thins the latency points to at most `cap` by water-filling: the outcomes are visited
// from the rarest, each keeps all its points if they fit its fair share of what is left,
// else exactly its share, evenly spaced in history order (point floor(j * n / share)
// for j = 0 .. share-1), so the same history always gives the same picture. Returns
// what the title says about it.
std::string thin(std::array<std::vector<Point>, 3>& latency, int64_t cap) {
  int64_t total = 0;
  for (const auto& v : latency) total += static_cast<int64_t>(v.size());
  if (cap <= 0 || total <= cap) return {};
  std::array<int, 3> order = {kOk, kFail, kInfo};
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return latency[a].size() < latency[b].size(); });
  int64_t budget = cap;
  std::string thinned;
  for (size_t i = 0; i < order.size(); ++i) {
    auto& v = latency[order[i]];
    const int64_t share = budget / static_cast<int64_t>(order.size() - i);
    const auto n = static_cast<int64_t>(v.size());
    if (n > share) {
      for (int64_t j = 0; j < share; ++j) v[static_cast<size_t>(j)] = v[static_cast<size_t>(j * n / share)];
      v.resize(static_cast<size_t>(share));
      char ratio[32];
      std::snprintf(ratio, sizeof ratio, "%.1f", static_cast<double>(n) / static_cast<double>(std::max<int64_t>(share, 1)));
      thinned += std::string(thinned.empty() ? "" : ", ") + kOutcomeName[order[i]] + " 1 in " + ratio;
    }
    budget -= static_cast<int64_t>(v.size());
  }
  return "thinned evenly to " + with_commas(cap - budget) + ": " + thinned;
}

// Merges the points drawn over each other, then thins to the PNG's and the SVG's
// budgets, and notes what was done for the titles.
void thin_latency(Extract& x, const PlotOptions& options) {
  int64_t points = 0;
  for (const auto& v : x.latency) points += static_cast<int64_t>(v.size());
  std::string merged;
  if (const int64_t left = merge_overdrawn(x.latency, x.end_s); left < points) {
    merged = with_commas(points) + " ops: " + with_commas(left) + " points drawn, the others under them";
  }
  auto note = [&](const std::string& thinned) {
    return merged + (merged.empty() || thinned.empty() ? "" : "; ") + thinned;
  };
  x.svg_latency = x.latency;
  x.png_note = note(thin(x.latency, options.max_latency_points));
  x.svg_note = note(thin(x.svg_latency, std::min(options.max_latency_points, options.max_svg_latency_points)));
}

// ---- scripts --------------------------------------------------------------------------

// One plot: a gnuplot script and its binary data files in a private directory.
struct Job {
  std::string name, title;
  fs::path dir;
  pid_t pid = -1;
  bool done = false;
  int status = 0;
};

std::string kind_colour(const Extract& x, const std::string& kind) {
  const auto& known = known_colours();
  if (auto it = known.find(kind); it != known.end()) return it->second;
  size_t spare = 0;
  for (const std::string& k : x.kinds) {
    if (k == kind) break;
    if (known.count(k) == 0) ++spare;
  }
  return kSpare[spare % kSpare.size()];
}

// Settings every plot shares: the terminal comes later (once for SVG, once for PNG).
// `only`: shade the windows of that fault kind alone (empty: all).
void write_common(Gnuplot& gp, const Extract& x, const char* ylabel, std::string_view only = {}) {
  gp << "set encoding utf8\n"
     << "set xlabel 'time (s)'\nset ylabel " << quote(ylabel) << "\n"
     << "set xrange [0:" << std::max(x.end_s, 1.0) << "]\n"
     << "set grid ytics lc rgb '#dddddd'\n"
     << "set key outside right top vertical Left reverse\n"
     << "set style fill transparent solid " << kWindowAlpha << " noborder\n";
  int id = 1;
  for (const Window& w : x.windows) {
    if (!only.empty() && w.kind != only) continue;
    gp << "set object " << id++ << " rect from " << w.start_s << ", graph 0 to " << w.stop_s
       << ", graph 1 fc rgb '" << kind_colour(x, w.kind) << "' fs transparent solid " << kWindowAlpha
       << " noborder behind\n";
  }
}

// Legend entries for the shaded windows (objects have none of their own).
std::string window_keys(const Extract& x, std::string_view only = {}) {
  std::string out;
  for (const std::string& kind : x.kinds) {
    if (!only.empty() && kind != only) continue;
    out += ", keyentry with boxes fc rgb '" + kind_colour(x, kind) + "' fs transparent solid " +
           std::to_string(kWindowAlpha) + " noborder title " + quote(kind);
  }
  return out;
}

// Draws the plot twice: SVG and then PNG (pngcairo when this gnuplot has it, else
// libgd), each with its own title and plot command (they may draw different data).
struct Output {
  std::string title, plot;
};

void write_outputs(Gnuplot& gp, const std::string& name, const Output& svg, const Output& png,
                   const PlotOptions& options) {
  gp << "set terminal svg dynamic noenhanced font 'Arial,12' background '#ffffff'\n"
     << "set output '" << name << ".svg'\n"
     << "set title " << quote(svg.title, 300) << "\n"
     << svg.plot << "\n"
     << "set output\n"
     << "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
     << "  set terminal pngcairo noenhanced size " << options.width << "," << options.height
     << " font 'Arial,10' background '#ffffff'\n"
     << "} else {\n"
     << "  set terminal png truecolor noenhanced size " << options.width << "," << options.height << "\n"
     << "}\n"
     << "set output '" << name << ".png'\n"
     << "set title " << quote(png.title, 300) << "\n"
     << png.plot << "\n"
     << "set output\n";
}

void write_outputs(Gnuplot& gp, const std::string& name, const Output& both, const PlotOptions& options) {
  write_outputs(gp, name, both, both, options);
}

// A data file through gnuplot-iostream (binary records), and the spec that reads it.
template <class T>
std::string data(Gnuplot& gp, const fs::path& dir, const std::string& file, const T& points) {
  gp.binFile1d(points, "record", (dir / file).string());
  return "'" + file + "' binary" + gp.binFmt1d(points, "record");
}

// The plot command for one set of latency points, in files named after `prefix`.
std::string latency_plot(Gnuplot& gp, const fs::path& dir, const std::string& prefix, const Extract& x,
                         const std::array<std::vector<Point>, 3>& latency) {
  std::string plot, keys;
  for (int o : {kOk, kInfo, kFail}) {  // fail last: the rarest on top
    if (latency[o].empty()) continue;
    plot += std::string(plot.empty() ? "plot " : ", ") +
            data(gp, dir, prefix + kOutcomeName[o] + ".bin", latency[o]) +
            " using 1:2 with points pt 7 ps 0.25 lc rgb '" + kOutcomeColour[o] + "' notitle";
    keys += std::string(", keyentry with points pt 7 ps 1 lc rgb '") + kOutcomeColour[o] + "' title '" +
            kOutcomeName[o] + "'";  // the points themselves are too small to see in the key
  }
  if (plot.empty()) plot = "plot NaN notitle";  // only ops with no time: an empty frame
  return plot + keys + window_keys(x);
}

// Returns false when there is nothing to draw.
bool write_latency(Gnuplot& gp, const fs::path& dir, const Extract& x, const PlotOptions& options,
                   std::string& title) {
  if (x.client_ops == 0) return false;
  std::string unfinished;
  if (x.unfinished > 0) {
    unfinished = x.unfinished_drawn ? " (" + with_commas(x.unfinished) + " never completed: drawn as info at the call timeout)"
                                    : " (" + with_commas(x.unfinished) + " never completed: not drawn)";
  }
  auto titled = [&](const std::string& note) {
    return "Latency of client ops by outcome" + (note.empty() ? "" : " (" + note + ")") + unfinished;
  };
  write_common(gp, x, "latency (ms)");
  gp << "set logscale y 10\nset format y '%g'\n";
  bool any = false;
  for (const auto& v : x.latency) any = any || !v.empty();
  if (!any) gp << "set yrange [0.1:1000]\n";
  const Output svg{titled(x.svg_note), latency_plot(gp, dir, "svg-", x, x.svg_latency)};
  const Output png{titled(x.png_note), latency_plot(gp, dir, "png-", x, x.latency)};
  write_outputs(gp, "latency", svg, png, options);
  title = svg.title;  // the report shows the SVG
  return true;
}

bool write_throughput(Gnuplot& gp, const fs::path& dir, const Extract& x, const PlotOptions& options,
                      std::string& title) {
  if (x.client_ops == 0) return false;
  title = "Throughput: completions per second by outcome";
  if (x.bucket_s > 1) title += " (averaged over " + with_commas(x.bucket_s) + " s)";
  write_common(gp, x, "ops/s");
  gp << "set yrange [0:*]\n";
  std::vector<std::tuple<float, float, float, float>> rows;
  rows.reserve(x.per_second.size());
  for (size_t s = 0; s < x.per_second.size(); ++s) {
    const auto& c = x.per_second[s];
    const auto w = static_cast<float>(x.bucket_s);
    rows.emplace_back((static_cast<float>(s) + 0.5f) * w, static_cast<float>(c[kOk]) / w,
                      static_cast<float>(c[kFail]) / w, static_cast<float>(c[kInfo]) / w);
  }
  const std::string spec = data(gp, dir, "throughput.bin", rows);
  std::string plot = "plot";
  for (int o : {kOk, kFail, kInfo}) {
    plot += std::string(o == kOk ? " " : ", ") + spec + " using 1:" + std::to_string(o + 2) +
            " with lines lw 1.5 lc rgb '" + kOutcomeColour[o] + "' title '" + kOutcomeName[o] + "'";
  }
  write_outputs(gp, "throughput", Output{title, plot + window_keys(x)}, options);
  return true;
}

bool write_clock(Gnuplot& gp, const fs::path& dir, const Extract& x, const PlotOptions& options,
                 std::string& title) {
  if (x.clock.empty()) return false;
  title = "Clock offset measured on each node";
  write_common(gp, x, "offset (ms)", "clock");  // the other faults would only hide the steps
  std::string plot;
  size_t i = 0;
  for (const auto& [node, points] : x.clock) {
    // An offset holds until the next measurement: steps, not slopes. Node names come
    // from the history: the file name is ours, the title is quoted.
    const std::string spec = data(gp, dir, "clock-" + std::to_string(i) + ".bin", points);
    const std::string colour = std::string("lc rgb '") + kNodeColour[i++ % kNodeColour.size()] + "'";
    plot += std::string(plot.empty() ? "plot " : ", ") + spec + " using 1:2 with steps lw 1.5 " + colour +
            " notitle, " + spec + " using 1:2 with points pt 7 ps 0.7 " + colour +
            " notitle, keyentry with linespoints pt 7 ps 0.7 lw 1.5 " + colour + " title " + quote(node);
  }
  write_outputs(gp, "clock", Output{title, plot + window_keys(x, "clock")}, options);
  return true;
}

// ---- running gnuplot ------------------------------------------------------------------

// Starts `gnuplot -d plot.gp` in the job's directory with no shell: stdin from
// /dev/null, stdout and stderr to gnuplot.log. Returns errno on failure.
int spawn(const std::string& gnuplot, Job& job) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // Absolute: the child changes into `dir` before it opens the log.
  const fs::path absolute = fs::absolute(job.dir);
  const std::string dir = absolute.string(), log = (absolute / "gnuplot.log").string();
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // Its own process group, so a time-out kills whatever it started too.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::string arg0 = gnuplot, arg1 = "-d", arg2 = "plot.gp";
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  const int rc = posix_spawnp(&job.pid, gnuplot.c_str(), &actions, &attr, argv, environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) job.pid = -1;
  return rc;
}

// The last non-blank line gnuplot wrote, which names the error.
std::string last_log_line(const fs::path& log) {
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r^") != std::string::npos) last = line;
  }
  return printable(last, 300);
}

void wait_all(std::vector<Job>& jobs, std::chrono::milliseconds timeout, std::vector<std::string>& warnings) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool running = false;
    for (Job& job : jobs) {
      if (job.pid < 0 || job.done) continue;
      const pid_t r = waitpid(job.pid, &job.status, WNOHANG);
      if (r == job.pid || (r < 0 && errno != EINTR)) {
        job.done = true;
      } else {
        running = true;
      }
    }
    if (!running) return;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (Job& job : jobs) {
    if (job.pid < 0 || job.done) continue;
    kill(-job.pid, SIGKILL);
    while (waitpid(job.pid, &job.status, 0) < 0 && errno == EINTR) {
    }
    job.done = true;
    job.status = -1;
    warnings.push_back("gnuplot took longer than " + std::to_string(timeout.count()) +
                       " ms drawing the " + job.name + " plot and was killed: no " + job.name + " plot");
  }
}

PlotResult run(const std::vector<Op>& history, const fs::path& out_dir, const std::string& gnuplot,
               const PlotOptions& options) {
  PlotResult result;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  std::string scratch = (out_dir / ".plots-XXXXXX").string();
  if (ec || mkdtemp(scratch.data()) == nullptr) {
    result.warnings.push_back("cannot write plots into " + out_dir.string() + ": " +
                              (ec ? ec.message() : std::string(std::strerror(errno))) + ": no plots");
    return result;
  }
  const fs::path tmp = scratch;

  Extract x = extract(history, options);
  if (x.client_ops == 0) result.warnings.push_back("the history holds no client op: no latency or throughput plot");

  thin_latency(x, options);

  using Writer = bool (*)(Gnuplot&, const fs::path&, const Extract&, const PlotOptions&, std::string&);
  const std::array<std::pair<const char*, Writer>, 3> writers = {
      {{"latency", write_latency}, {"throughput", write_throughput}, {"clock", write_clock}}};
  std::vector<Job> jobs;
  for (const auto& [name, writer] : writers) {
    Job job{name, {}, tmp / name};
    fs::create_directory(job.dir, ec);
    FILE* script = ec ? nullptr : std::fopen((job.dir / "plot.gp").c_str(), "w");
    if (script == nullptr) {
      result.warnings.push_back(std::string("cannot write the ") + name + " plot's script in " + tmp.string());
      continue;
    }
    bool drawn;
    {
      Gnuplot gp(script);  // closes `script`
      drawn = writer(gp, job.dir, x, options, job.title);
      gp << std::flush;
      if (!gp.good()) {
        result.warnings.push_back(std::string("cannot write the ") + name + " plot's script in " + tmp.string());
        drawn = false;
      }
    }
    if (drawn) jobs.push_back(std::move(job));
  }

  for (Job& job : jobs) {
    const int rc = spawn(gnuplot, job);
    if (rc == ENOENT || rc == EACCES) {
      result.warnings.push_back("gnuplot not found (`" + printable(gnuplot, 200) + "`: " + std::strerror(rc) +
                                "): no plots");
      break;
    }
    if (rc != 0) {
      result.warnings.push_back("cannot start gnuplot (`" + printable(gnuplot, 200) + "`): " + std::strerror(rc) +
                                ": no " + job.name + " plot");
    }
  }
  wait_all(jobs, options.timeout, result.warnings);

  for (Job& job : jobs) {
    if (job.pid < 0 || job.status == -1) continue;
    if (!WIFEXITED(job.status) || WEXITSTATUS(job.status) != 0) {
      const std::string why = WIFEXITED(job.status) ? "exit status " + std::to_string(WEXITSTATUS(job.status))
                                                    : "signal " + std::to_string(WTERMSIG(job.status));
      result.warnings.push_back("gnuplot failed drawing the " + job.name + " plot (" + why +
                                "): " + last_log_line(job.dir / "gnuplot.log"));
      continue;
    }
    Plot plot{job.name, job.title, out_dir / (job.name + ".svg"), out_dir / (job.name + ".png")};
    bool ok = true;
    for (const auto& [from, to] : {std::pair{job.dir / (job.name + ".svg"), plot.svg},
                                   std::pair{job.dir / (job.name + ".png"), plot.png}}) {
      if (!ok) break;
      if (fs::file_size(from, ec) == 0 || ec) {
        result.warnings.push_back("gnuplot wrote no " + from.filename().string() + ": no " + job.name + " plot");
        ok = false;
      } else if (fs::rename(from, to, ec); ec) {
        result.warnings.push_back("cannot move " + from.filename().string() + " to " + to.string() + ": " +
                                  ec.message() + ": no " + job.name + " plot");
        ok = false;
      }
    }
    if (ok) result.plots.push_back(std::move(plot));
  }
  fs::remove_all(tmp, ec);
  return result;
}

}  // namespace

PlotResult make_plots(const std::vector<Op>& history, const fs::path& out_dir, const std::string& gnuplot,
                      const PlotOptions& options) {
  // std::filesystem, boost::iostreams and allocation can throw; a report never fails a run.
  try {
    return run(history, out_dir, gnuplot, options);
  } catch (const std::exception& e) {
    return PlotResult{{}, {std::string("plots failed: ") + e.what() + ": no plots"}};
  }
}

}  // namespace faultline::reports::plots
