// How many operations per second the runner's client side sustains with history
// recording on (the JSONL writer, batched fsync), against an in-process client that
// answers at once — the harness's own ceiling, which must sit far above any system
// under test (goal: 50,000 ops/s). Prints one line per configuration.
//
//   runner_bench [--seconds S] [--dir DIR]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "base/clock.h"
#include "harness/runner/clients.h"
#include "workloads/workload.h"

namespace {

using namespace faultline;

// Answers every op ok at once; a read returns 0.
class NoopClient final : public workloads::Client {
 public:
  workloads::Completion invoke(const workloads::OpSpec& op) override {
    workloads::Completion done;
    done.type = history::OpType::Ok;
    done.value = op.f == "read" ? history::Value(0) : op.value;
    return done;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("runner client-side throughput with a no-op client");
  double seconds = 5;
  std::string dir = std::filesystem::temp_directory_path().string();
  app.add_option("--seconds", seconds, "Seconds per configuration");
  app.add_option("--dir", dir, "Where the history files go (a real disk: fsync counts)");
  CLI11_PARSE(app, argc, argv);

  std::printf("%-12s %-10s %12s %12s\n", "workload", "threads", "ops/s", "history MB");
  for (const char* name : {"register", "set"}) {
    for (int threads : {1, 10, 32}) {
      workloads::WorkloadOptions options;
      options.name = name;
      auto workload = workloads::make_workload(options);
      if (!workload.ok()) return 3;
      const auto path = std::filesystem::path(dir) / ("faultline-runner-bench-" + std::to_string(::getpid()) + ".jsonl");
      auto writer = history::JsonlWriter::open(path);
      if (!writer.ok()) {
        std::fprintf(stderr, "%s\n", writer.error().message.c_str());
        return 3;
      }
      harness::runner::Recorder recorder(std::move(*writer), base::real_clock().now_ns());
      harness::runner::ClientOptions client_options;
      client_options.concurrency = threads;
      client_options.rate = 1e12;  // no pacing: as fast as the harness goes
      harness::runner::ClientThreads clients(
          recorder, [](const std::string&, uint64_t) { return std::make_unique<NoopClient>(); },
          *workload->generator, {"n1", "n2", "n3", "n4", "n5"}, client_options);
      const auto start = std::chrono::steady_clock::now();
      clients.start();
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
      clients.stop();
      clients.join();
      recorder.sync();
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double ops = static_cast<double>(recorder.ops()) / 2;  // invoke + completion per op
      std::printf("%-12s %-10d %12.0f %12.1f\n", name, threads, ops / elapsed,
                  static_cast<double>(std::filesystem::file_size(path)) / 1e6);
      std::filesystem::remove(path);
    }
  }
  return 0;
}
