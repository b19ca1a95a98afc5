#include "harness/runner/clients.h"

#include <algorithm>
#include <chrono>

#include "base/clock.h"
#include "base/random.h"

namespace faultline::harness::runner {

Recorder::Recorder(std::unique_ptr<history::JsonlWriter> writer, int64_t origin_ns)
    : writer_(std::move(writer)), origin_ns_(origin_ns) {}

int64_t Recorder::now() const { return base::real_clock().now_ns() - origin_ns_; }

void Recorder::write(history::Op op) {
  std::lock_guard<std::mutex> lock(mu_);
  op.index = next_index_++;
  if (auto s = writer_->append(op); !s.ok() && error_.empty()) error_ = s.error().message;
}

void Recorder::sync() {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto s = writer_->sync(); !s.ok() && error_.empty()) error_ = s.error().message;
}

std::string Recorder::error() {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

int64_t Recorder::ops() {
  std::lock_guard<std::mutex> lock(mu_);
  return next_index_;
}

void nap(std::chrono::nanoseconds d, const std::atomic<bool>& stop) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (!stop && std::chrono::steady_clock::now() < end) {
    const auto left = end - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(left, std::chrono::milliseconds(20)));
  }
}

history::Op client_op(const Recorder& recorder, int64_t process, const std::string& node,
                      const workloads::OpSpec& spec, history::OpType type) {
  history::Op op;
  op.process = history::Process::client(process);
  op.type = type;
  op.f = spec.f;
  op.node = node;
  op.key = spec.key;
  op.value = spec.value;
  op.time = recorder.now();
  return op;
}

ClientThreads::ClientThreads(Recorder& recorder, ClientFactory factory,
                             workloads::Generator& generator, std::vector<std::string> nodes,
                             ClientOptions options)
    : recorder_(recorder),
      factory_(std::move(factory)),
      generator_(generator),
      nodes_(std::move(nodes)),
      options_(options) {}

ClientThreads::~ClientThreads() {
  stop();
  join();
}

void ClientThreads::start() {
  for (int t = 0; t < options_.concurrency; ++t) threads_.emplace_back([this, t] { run(t); });
}

void ClientThreads::stop() { stop_ = true; }

void ClientThreads::join() {
  for (auto& thread : threads_)
    if (thread.joinable()) thread.join();
}

void ClientThreads::run(int thread) {
  base::Random random(base::mix64(options_.seed ^ (0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(thread + 1))));
  const std::string& node = nodes_[static_cast<size_t>(thread) % nodes_.size()];
  // Jepsen numbering: thread t runs processes t, t + N, t + 2N, ... (a new one after
  // every info), so a process id says which thread, and so which node, it was.
  int64_t process = thread;
  auto client = factory_(node, static_cast<uint64_t>(process) + 1);
  const double mean_gap_ns = options_.concurrency / options_.rate * 1e9;
  while (!stop_) {
    // Gaps uniform in [0, 2 * mean]: the total rate holds, arrivals are not in lockstep.
    nap(std::chrono::nanoseconds(static_cast<int64_t>(random.below(2001) / 1000.0 * mean_gap_ns)), stop_);
    if (stop_) break;
    workloads::OpSpec spec;
    {
      std::lock_guard<std::mutex> lock(generator_mu_);
      spec = generator_.next(random);
    }
    recorder_.write(client_op(recorder_, process, node, spec, history::OpType::Invoke));
    const workloads::Completion done = client->invoke(spec);
    history::Op completion = client_op(recorder_, process, node, spec, done.type);
    completion.value = done.value;
    if (!done.error.empty() && done.type != history::OpType::Ok) completion.error = done.error;
    recorder_.write(std::move(completion));
    if (done.type == history::OpType::Info) {
      process += options_.concurrency;
      client = factory_(node, static_cast<uint64_t>(process) + 1);
    }
  }
}

}  // namespace faultline::harness::runner
