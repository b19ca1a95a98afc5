// How long reports/plots takes on a large history: a generated one (bench/history_gen.h,
// plus a nemesis schedule: partition, kill, pause and clock windows with measured
// offsets) or a history.jsonl given with --history. Prints the time of make_plots (the
// pass over the history, the data files and the gnuplot processes), each plot's files
// and sizes, and any warning. Goal (docs/BENCHMARKS.md, "Reports"): a few seconds for
// 1,000,000 ops, so the whole report stays under 10 s.
//
//   plots_bench [--ops N] [--history FILE] [--out DIR] [--max-points N]

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/history_gen.h"
#include "history/reader.h"
#include "reports/plots/plots.h"

namespace {

using namespace faultline;
using history::Op;
using history::Value;

// Adds a nemesis schedule to a client history, in time order: every 10 s one fault of
// partition, kill, pause, clock in turn, on for 5 s (request 10 ms before applied);
// clock ops carry measured offsets for three nodes.
std::vector<Op> with_nemesis(const std::vector<Op>& clients) {
  const int64_t end = clients.empty() ? 0 : clients.back().time;
  std::vector<Op> nemesis;
  const char* kinds[] = {"partition", "kill", "pause", "clock"};
  constexpr int64_t kS = 1'000'000'000;
  int n = 0;
  for (int64_t t = 2 * kS; t + 6 * kS < end; t += 10 * kS, ++n) {
    const std::string kind = kinds[n % 4];
    for (const auto& [f, at] : {std::pair{"start-" + kind, t}, std::pair{"stop-" + kind, t + 5 * kS}}) {
      for (int applied = 0; applied < 2; ++applied) {
        Op op;
        op.time = at + applied * 10'000'000;
        op.process = history::Process::named("nemesis");
        op.type = history::OpType::Info;
        op.f = f;
        Value v = Value::object();
        if (kind == "clock" && applied) {
          const int64_t skew = f.starts_with("start") ? 1000 * (n % 7 + 1) : 3;
          v["measured_ms"] = {{"n1", skew}, {"n2", n % 5}, {"n3", -(n % 3)}};
        }
        op.value = Value{{applied ? "applied" : "requested", v}};
        nemesis.push_back(std::move(op));
      }
    }
  }
  std::vector<Op> all;
  all.reserve(clients.size() + nemesis.size());
  size_t j = 0;
  for (const Op& op : clients) {
    while (j < nemesis.size() && nemesis[j].time <= op.time) all.push_back(nemesis[j++]);
    all.push_back(op);
  }
  for (; j < nemesis.size(); ++j) all.push_back(nemesis[j]);
  for (size_t i = 0; i < all.size(); ++i) all[i].index = static_cast<int64_t>(i);
  return all;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("time reports/plots on a large history");
  int64_t ops = 1'000'000;
  std::string history_file, out = (std::filesystem::temp_directory_path() / "faultline-plots-bench").string();
  reports::plots::PlotOptions options;
  std::string gnuplot = "gnuplot";
  app.add_option("--ops", ops, "Generated operations (each an invoke and a completion)")->capture_default_str();
  app.add_option("--history", history_file, "A history.jsonl to plot instead of a generated one");
  app.add_option("--out", out, "Where the plots go")->capture_default_str();
  app.add_option("--max-points", options.max_latency_points, "Latency points drawn at most (PNG)")->capture_default_str();
  app.add_option("--gnuplot", gnuplot, "The gnuplot to run (a stand-in that exits 0 times our side alone)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::vector<Op> h;
  if (!history_file.empty()) {
    auto read = history::read_all(history_file, history::Format::Auto);
    if (!read.ok()) {
      std::fprintf(stderr, "%s\n", read.error().message.c_str());
      return 3;
    }
    h = std::move(*read);
  } else {
    bench::GenSpec spec;
    spec.shape = "kv";
    spec.keys = 100;
    spec.processes = 10;
    spec.ops = ops;
    spec.info_rate = 0.01;
    std::vector<Op> clients;
    clients.reserve(static_cast<size_t>(2 * ops));
    bench::generate_history(spec, [&](const Op& op) { clients.push_back(op); });
    h = with_nemesis(clients);
  }
  std::printf("history: %zu events, %.1f s long\n", h.size(), h.empty() ? 0.0 : static_cast<double>(h.back().time) / 1e9);

  const auto start = std::chrono::steady_clock::now();
  const reports::plots::PlotResult r = reports::plots::make_plots(h, out, gnuplot, options);
  const double took = seconds_since(start);
  std::printf("make_plots: %.2f s\n", took);
  for (const auto& p : r.plots) {
    std::printf("  %-10s svg %7.1f kB  png %6.1f kB  %s\n", p.name.c_str(),
                static_cast<double>(std::filesystem::file_size(p.svg)) / 1e3,
                static_cast<double>(std::filesystem::file_size(p.png)) / 1e3, p.title.c_str());
  }
  for (const auto& w : r.warnings) std::printf("  warning: %s\n", w.c_str());
  return r.warnings.empty() ? 0 : 1;
}
