// Checker benchmarks (docs/BENCHMARKS.md). Each goal of the [checker] issue has a
// benchmark here; "pruned" is faultline as shipped, "plain" the same search without
// faultline's exact prunings (plain WGL as in Porcupine and Knossos) and, for append
// keys, with concrete states — the baseline measured in the same run.
// Run one benchmark per process (bench/run_checker_bench.sh) so peak_rss_mb is its own.

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "base/clock.h"
#include "base/random.h"
#include "bench/history_gen.h"
#include "checkers/linearizable/checker.h"
#include "history/writer.h"

namespace {

using namespace faultline;
namespace lin = checkers::linearizable;

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

std::vector<history::Op> generate(const bench::GenSpec& spec) {
  std::vector<history::Op> ops;
  bench::generate_history(spec, [&](const history::Op& op) { ops.push_back(op); });
  return ops;
}

lin::LinearizabilityResult check_ops(const std::vector<history::Op>& ops, lin::CheckOptions o) {
  lin::LinearizabilityChecker checker(std::move(o), "bench");
  for (const auto& op : ops) {
    if (!checker.add(op).ok()) std::abort();
  }
  auto r = checker.check();
  if (!r.ok()) std::abort();
  return std::move(*r);
}

lin::CheckOptions options(lin::ModelKind model, history::Value initial, bool plain) {
  lin::CheckOptions o;
  o.model = model;
  o.initial = std::move(initial);
  o.time_limit_s = 60;
  if (plain) {
    o.time_limit_s = 10;
    o.prunings = lin::Prunings{false, false, false};
    o.concrete_append = true;
  }
  return o;
}

// Histories shaped like Porcupine's 102 Jepsen etcd histories: one cas register,
// 5-20 processes, 73-90 ops, 10-20% timed out, values 0-4; every tenth has stale
// reads injected.
std::vector<std::vector<history::Op>> etcd_shaped_set() {
  std::vector<std::vector<history::Op>> set;
  base::Random rnd(2024);
  for (int i = 0; i < 102; ++i) {
    bench::GenSpec spec;
    spec.shape = "cas-register";
    spec.processes = static_cast<int>(rnd.between(5, 20));
    spec.ops = rnd.between(73, 90);
    spec.values = 5;
    spec.info_rate = 0.10 + 0.10 * static_cast<double>(rnd.below(1000)) / 1000.0;
    spec.anomaly_rate = i % 10 == 0 ? 0.2 : 0.0;
    spec.seed = static_cast<uint64_t>(i) + 1;
    set.push_back(generate(spec));
  }
  return set;
}

void run_set(benchmark::State& state, const std::vector<std::vector<history::Op>>& set,
             lin::ModelKind model, history::Value initial, bool plain) {
  double slowest = 0;
  int invalid = 0, unknown = 0;
  for (auto _ : state) {
    invalid = unknown = 0;
    for (const auto& ops : set) {
      const int64_t t0 = base::real_clock().now_ns();
      auto r = check_ops(ops, options(model, initial, plain));
      slowest = std::max(slowest, static_cast<double>(base::real_clock().now_ns() - t0) / 1e6);
      invalid += r.verdict == checkers::Verdict::Invalid;
      unknown += r.verdict == checkers::Verdict::Unknown;
    }
  }
  state.counters["histories"] = static_cast<double>(set.size());
  state.counters["invalid"] = invalid;
  state.counters["unknown"] = unknown;
  state.counters["slowest_ms"] = slowest;
  state.counters["peak_rss_mb"] = peak_rss_mb();
}

void BM_EtcdShaped(benchmark::State& state) {
  static const auto set = etcd_shaped_set();
  run_set(state, set, lin::ModelKind::CasRegister, 0, state.range(0) == 0);
}
BENCHMARK(BM_EtcdShaped)->Arg(1)->Arg(0)->ArgName("pruned")->Unit(benchmark::kMillisecond);

// Porcupine's worst case: 50 clients appending to one string key, ~220 ops, 30% of
// them crashed, a few reads revealing the order. Ten seeds; seeds 6-10 inject stale
// reads. The plain baseline (concrete string states) gets the first two seeds only,
// with 10 s and 1 GiB each.
void BM_Append50Crashed(benchmark::State& state) {
  static const auto set = [] {
    std::vector<std::vector<history::Op>> s;
    for (int i = 1; i <= 10; ++i) {
      bench::GenSpec spec;
      spec.shape = "append";
      spec.processes = 50;
      spec.ops = 220;
      spec.info_rate = 0.3;
      spec.read_rate = 0.03;
      spec.anomaly_rate = i > 5 ? 0.5 : 0.0;
      spec.seed = static_cast<uint64_t>(i);
      s.push_back(generate(spec));
    }
    return s;
  }();
  if (state.range(0) == 1) {
    run_set(state, set, lin::ModelKind::Kv, nullptr, false);
  } else {
    const std::vector<std::vector<history::Op>> two(set.begin(), set.begin() + 2);
    run_set(state, two, lin::ModelKind::Kv, nullptr, true);
  }
}
BENCHMARK(BM_Append50Crashed)->Arg(1)->Arg(0)->ArgName("pruned")->Unit(benchmark::kMillisecond)->Iterations(1);

// A file in /tmp made once per process from a generator spec.
std::string history_file(const std::string& name, const bench::GenSpec& spec) {
  const std::string path = (std::filesystem::temp_directory_path() / ("faultline-bench-" + name + ".jsonl")).string();
  history::WriterOptions wo;
  wo.batch_ops = 1 << 16;
  auto writer = history::JsonlWriter::open(path, wo);
  if (!writer.ok()) std::abort();
  bench::generate_history(spec, [&](const history::Op& op) {
    if (!(*writer)->append(op).ok()) std::abort();
  });
  if (!(*writer)->sync().ok()) std::abort();
  return path;
}

void run_file(benchmark::State& state, const std::string& path, lin::ModelKind model,
              history::Value initial, bool plain) {
  lin::LinearizabilityResult last;
  for (auto _ : state) {
    auto r = lin::check_file(path, history::Format::Jsonl, options(model, initial, plain));
    if (!r.ok()) std::abort();
    last = std::move(*r);
  }
  state.counters["ops"] = static_cast<double>(last.operations);
  state.counters["keys"] = static_cast<double>(last.keys);
  state.counters["verdict"] = checkers::exit_code(last.verdict);
  state.counters["steps"] = static_cast<double>(last.search_steps);
  state.counters["peak_rss_mb"] = peak_rss_mb();
  std::filesystem::remove(path);
}

// One register, 10 processes, 100,000 ops, 1% info; parse included.
void BM_Register100k(benchmark::State& state) {
  bench::GenSpec spec;
  spec.shape = "register";
  spec.processes = 10;
  spec.ops = 100'000;
  spec.info_rate = 0.01;
  spec.seed = 7;
  run_file(state, history_file("register100k", spec), lin::ModelKind::Register, 0, state.range(0) == 0);
}
BENCHMARK(BM_Register100k)->Arg(1)->Arg(0)->ArgName("pruned")->Unit(benchmark::kMillisecond)->Iterations(3);

// kv: 1,000 keys, 1,000,000 ops (2,000,000 lines, ~200 MB), 1% info; parse included.
void BM_Kv1M(benchmark::State& state) {
  bench::GenSpec spec;
  spec.shape = "kv";
  spec.processes = 20;
  spec.keys = 1000;
  spec.ops = 1'000'000;
  spec.info_rate = 0.01;
  spec.seed = 11;
  run_file(state, history_file("kv1m", spec), lin::ModelKind::Kv, 0, state.range(0) == 0);
}
BENCHMARK(BM_Kv1M)->Arg(1)->ArgName("pruned")->Unit(benchmark::kMillisecond)->Iterations(1);

// Every history of the Knossos corpus, parse included.
void BM_KnossosCorpus(benchmark::State& state) {
  const std::string dir = std::string(FAULTLINE_SOURCE_DIR) + "/tests/fixtures/knossos/";
  struct Case {
    std::string file;
    lin::ModelKind model;
    history::Value initial;
  };
  std::vector<Case> cases;
  std::ifstream in(dir + "MANIFEST.tsv");
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string file, model, init;
    std::getline(f, file, '\t');
    std::getline(f, model, '\t');
    std::getline(f, init, '\t');
    history::Value initial = init == "0" ? history::Value(0)
                             : init == "{:x 0 :y 0}" ? history::Value({{"x", 0}, {"y", 0}})
                                                     : history::Value();
    cases.push_back(Case{file, *lin::model_from_string(model), initial});
  }
  double slowest = 0;
  for (auto _ : state) {
    for (const Case& c : cases) {
      const int64_t t0 = base::real_clock().now_ns();
      auto r = lin::check_file(dir + c.file, history::Format::Edn, options(c.model, c.initial, state.range(0) == 0));
      if (!r.ok()) std::abort();
      slowest = std::max(slowest, static_cast<double>(base::real_clock().now_ns() - t0) / 1e6);
    }
  }
  state.counters["histories"] = static_cast<double>(cases.size());
  state.counters["slowest_ms"] = slowest;
  state.counters["peak_rss_mb"] = peak_rss_mb();
}
BENCHMARK(BM_KnossosCorpus)->Arg(1)->Arg(0)->ArgName("pruned")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
