#pragma once
// The main phase's client side, apart from any target: the Recorder (the one place ops
// are numbered, timed and made durable) and ClientThreads (N threads, each a sequence
// of processes bound to one node, drawing ops from the workload's generator at a total
// rate with randomised gaps). The runner plugs in the target's client factory; the
// runner benchmark plugs in a no-op client. Harness layer; both classes thread-safe
// as documented per member.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "history/op.h"
#include "history/writer.h"
#include "workloads/workload.h"

namespace faultline::harness::runner {

// Numbers ops in history order, times client ops in ns since `origin_ns` on the
// controller's monotonic clock, and appends them to the writer (batched fsync).
// Thread-safe.
class Recorder {
 public:
  Recorder(std::unique_ptr<history::JsonlWriter> writer, int64_t origin_ns);
  int64_t now() const;  // ns since the origin
  void write(history::Op op);
  void sync();
  std::string error();  // the first write error, if any
  int64_t ops();

 private:
  std::mutex mu_;
  std::unique_ptr<history::JsonlWriter> writer_;
  int64_t origin_ns_;
  int64_t next_index_ = 0;
  std::string error_;
};

// Makes the client of one process: bound to `node`, with the run-unique `client_id`.
using ClientFactory =
    std::function<std::unique_ptr<workloads::Client>(const std::string& node, uint64_t client_id)>;

struct ClientOptions {
  int concurrency = 10;
  double rate = 200;  // ops/s over all threads; each waits concurrency/rate on average
  uint64_t seed = 1;
};

class ClientThreads {
 public:
  // `nodes`: thread t is bound to nodes[t % size]. Everything must outlive this object.
  ClientThreads(Recorder& recorder, ClientFactory factory, workloads::Generator& generator,
                std::vector<std::string> nodes, ClientOptions options);
  ~ClientThreads();  // stop() and join()
  void start();
  // Asks every thread to finish: no new op starts; an op in flight ends at its call
  // timeout at the latest. Returns at once; thread-safe.
  void stop();
  void join();

 private:
  void run(int thread);
  Recorder& recorder_;
  ClientFactory factory_;
  workloads::Generator& generator_;
  std::mutex generator_mu_;
  std::vector<std::string> nodes_;
  ClientOptions options_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// One op of a process as the history records it (invoke or completion), timed now.
history::Op client_op(const Recorder& recorder, int64_t process, const std::string& node,
                      const workloads::OpSpec& spec, history::OpType type);

// Sleeps up to `d`, waking early when `stop` becomes true (checked every 20 ms).
void nap(std::chrono::nanoseconds d, const std::atomic<bool>& stop);

}  // namespace faultline::harness::runner
