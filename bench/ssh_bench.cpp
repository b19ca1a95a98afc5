// ssh_bench: exec round trips over the SSH control layer (harness/control) against the
// nodes of a nodes file — the local cluster's or real machines'. Prints p50/p99 of
// `true` on one warm session, and commands per second across all nodes in parallel.
// Usage: ssh_bench NODES_FILE [--commands 1000] [--seconds 5]

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "base/clock.h"
#include "harness/control/node.h"
#include "harness/control/ssh.h"

namespace control = faultline::harness::control;

int main(int argc, char** argv) {
  std::string nodes_file;
  int commands = 1000;
  double seconds = 5;
  CLI::App app{"Exec round trips over the SSH control layer"};
  app.add_option("nodes-file", nodes_file)->required();
  app.add_option("--commands", commands)->capture_default_str();
  app.add_option("--seconds", seconds)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto nodes = control::load_nodes_file(nodes_file, {});
  if (!nodes.ok()) {
    std::fprintf(stderr, "error: %s\n", nodes.error().message.c_str());
    return 3;
  }
  control::Pool pool(*nodes, control::SshOptions{});
  const auto& clock = faultline::base::real_clock();
  const std::string first = nodes->front().name;

  // Warm the session, then time single round trips.
  if (auto r = pool.exec(first, "true", 5000); !r.ok()) {
    std::fprintf(stderr, "error: %s\n", r.error().message.c_str());
    return 3;
  }
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(commands));
  for (int i = 0; i < commands; ++i) {
    const int64_t t0 = clock.now_ns();
    auto r = pool.exec(first, "true", 5000);
    if (!r.ok() || r->exit_status != 0) {
      std::fprintf(stderr, "error: exec %d failed\n", i);
      return 3;
    }
    ms.push_back(static_cast<double>(clock.now_ns() - t0) / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[static_cast<size_t>(p * static_cast<double>(ms.size() - 1))]; };
  std::printf("exec `true` on %s, warm session, %d commands: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              first.c_str(), commands, pct(0.50), pct(0.99), ms.back());

  // Every node at once, one thread per node, for `seconds`.
  std::vector<std::string> names;
  for (const auto& n : *nodes) names.push_back(n.name);
  std::atomic<int64_t> done{0};
  const int64_t deadline = clock.now_ns() + static_cast<int64_t>(seconds * 1e9);
  const int64_t t0 = clock.now_ns();
  auto results = pool.on_nodes(names, [&](const std::string& node) -> faultline::base::Status {
    while (clock.now_ns() < deadline) {
      auto r = pool.exec(node, "true", 5000);
      if (!r.ok()) return r.error();
      done.fetch_add(1);
    }
    return faultline::base::ok_status();
  });
  const double elapsed = static_cast<double>(clock.now_ns() - t0) / 1e9;
  for (const auto& s : results) {
    if (!s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.error().message.c_str());
      return 3;
    }
  }
  std::printf("exec `true` on %zu nodes in parallel for %.1f s: %.0f commands/s\n", names.size(),
              elapsed, static_cast<double>(done.load()) / elapsed);
  return 0;
}
