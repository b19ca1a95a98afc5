#pragma once
// Plots of a run, drawn by gnuplot through gnuplot-iostream, each as SVG (inlined in
// report.html) and PNG: latency of every client op against time (ok / fail / info
// coloured, log scale) and throughput per second by outcome, each with the nemesis
// windows shaded per fault kind; and, when clock faults ran, the clock offset measured
// on each node over time. A missing or failing gnuplot is a warning, never an error:
// a report never changes a verdict. Thread-safe (no shared state; one gnuplot process
// per plot).

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "history/op.h"

namespace faultline::reports::plots {

struct Plot {
  std::string name;   // "latency", "throughput", "clock"
  std::string title;  // shown above it (the SVG's; the PNG's may say it draws more points)
  std::filesystem::path svg;
  std::filesystem::path png;
};

struct PlotResult {
  std::vector<Plot> plots;
  std::vector<std::string> warnings;  // e.g. "gnuplot not found: no plots"
};

struct PlotOptions {
  // Latency points that would be drawn over one another (same ~2 px cell, same
  // outcome) are merged first. Above these many points left, each outcome is thinned
  // evenly in history order to its fair share (rare outcomes keep all their points
  // while they fit), so the same history always gives the same picture; each image's
  // title says what it draws. The SVG gets fewer: each of its points is an element of
  // the page that inlines it (~100 bytes).
  int64_t max_latency_points = 200'000;     // PNG
  int64_t max_svg_latency_points = 25'000;  // SVG (never more than the PNG)
  // An invoke that never completed (the history ends first) is drawn as an `info` point
  // at this latency when > 0; when 0 it is not drawn, and the title counts it.
  double call_timeout_s = 0;
  // Wall-clock limit for all gnuplot processes together; any still running is killed
  // (SIGKILL) and its plot becomes a warning.
  std::chrono::milliseconds timeout{30'000};
  int width = 1000;  // PNG size in pixels; the SVG scales to its container
  int height = 420;
};

// Writes <out_dir>/{latency,throughput,clock}.{svg,png} (created if needed; existing
// files are replaced whole, never half-written) and returns the plots drawn, in that
// order. `gnuplot` is the program to run (a name looked up in PATH, or a path); it is
// run directly, never through a shell, with a script file written by us: no value of
// the history reaches a command line, and every string in the script is quoted for
// gnuplot. There is no clock plot when no nemesis op measured clock offsets, and no
// latency or throughput plot when the history holds no client op.
//
// Never fails: a missing gnuplot, a gnuplot error or time-out, or an unwritable
// out_dir gives warnings and fewer (or no) plots.
//
// Nemesis windows: from the applied op of start-<kind> (the nemesis op whose value is
// not {"requested": ...}) to the applied stop-<kind> or heal; a window still open at
// the end of the history is drawn to its end. Clock offsets come from the applied
// values' "measured_ms": {node: offset}.
PlotResult make_plots(const std::vector<history::Op>& history, const std::filesystem::path& out_dir,
                      const std::string& gnuplot = "gnuplot", const PlotOptions& options = {});

}  // namespace faultline::reports::plots
