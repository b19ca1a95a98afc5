// faultline-gen-history: writes a generated history (bench/history_gen.h) as JSONL or
// Jepsen EDN, for benchmarks and for trying `faultline check` on large inputs.

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "bench/history_gen.h"
#include "history/writer.h"

int main(int argc, char** argv) {
  faultline::bench::GenSpec spec;
  std::string out, format = "jsonl";
  CLI::App app{"Generate a history for benchmarks"};
  app.add_option("--shape", spec.shape, "register | cas-register | kv | append")->capture_default_str();
  app.add_option("--processes", spec.processes)->capture_default_str();
  app.add_option("--ops", spec.ops)->capture_default_str();
  app.add_option("--keys", spec.keys)->capture_default_str();
  app.add_option("--values", spec.values)->capture_default_str();
  app.add_option("--info-rate", spec.info_rate)->capture_default_str();
  app.add_option("--anomaly-rate", spec.anomaly_rate)->capture_default_str();
  app.add_option("--read-rate", spec.read_rate)->capture_default_str();
  app.add_option("--seed", spec.seed)->capture_default_str();
  app.add_option("--format", format, "jsonl | edn")->capture_default_str();
  app.add_option("--out", out, "Output file")->required();
  CLI11_PARSE(app, argc, argv);

  if (format == "edn") {
    std::ofstream f(out);
    f << "[";
    faultline::bench::generate_history(spec, [&](const faultline::history::Op& op) {
      faultline::history::write_edn_op(f, op);
      f << "\n";
    });
    f << "]\n";
    return f ? 0 : 3;
  }
  faultline::history::WriterOptions options;
  options.batch_ops = 1 << 16;
  auto writer = faultline::history::JsonlWriter::open(out, options);
  if (!writer.ok()) {
    std::cerr << "error: " << writer.error().message << "\n";
    return 3;
  }
  faultline::bench::generate_history(spec, [&](const faultline::history::Op& op) {
    auto s = (*writer)->append(op);
    if (!s.ok()) {
      std::cerr << "error: " << s.error().message << "\n";
      std::exit(3);
    }
  });
  return (*writer)->sync().ok() ? 0 : 3;
}
