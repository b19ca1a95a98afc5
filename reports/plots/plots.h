#pragma once
// Plots of a run, drawn by gnuplot through gnuplot-iostream, each as SVG (inlined in
// report.html) and PNG: latency of every client op against time (ok / fail / info
// coloured, log scale) and throughput per second by outcome, each with the nemesis
// windows shaded per fault kind; and, when clock faults ran, the clock offset measured
// on each node over time. A missing or failing gnuplot is a warning, never an error:
// a report never changes a verdict. Thread-safe (no shared state; one gnuplot process
// per plot).

#include <filesystem>
#include <string>
#include <vector>

#include "history/op.h"

namespace faultline::reports::plots {

struct Plot {
  std::string name;   // "latency", "throughput", "clock"
  std::string title;  // shown above it
  std::filesystem::path svg;
  std::filesystem::path png;
};

struct PlotResult {
  std::vector<Plot> plots;
  std::vector<std::string> warnings;  // e.g. "gnuplot not found: no plots"
};

// Writes the plots into `out_dir` (created if needed). `gnuplot` is the command to run.
PlotResult make_plots(const std::vector<history::Op>& history, const std::filesystem::path& out_dir,
                      const std::string& gnuplot = "gnuplot");

}  // namespace faultline::reports::plots
