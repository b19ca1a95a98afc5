#pragma once
// Seeded generator of realistic histories for benchmarks: concurrent clients against a
// simulated linearizable store, each op taking effect at an instant inside its
// interval; timeouts end in `info` (the op took effect or not, at random); a small
// rate of injected anomalies (stale reads) makes some histories invalid. Events come
// out in time order, as a recorder would write them.

#include <cstdint>
#include <functional>
#include <string>

#include "history/op.h"

namespace faultline::bench {

struct GenSpec {
  std::string shape = "cas-register";  // register | cas-register | kv | append
  int processes = 10;
  int64_t ops = 1000;         // operations (each an invoke and a completion)
  int keys = 1;               // kv: number of keys
  int values = 5;             // writes and cas use values 0 .. values-1
  double info_rate = 0.01;    // share of ops that time out (info)
  double anomaly_rate = 0.0;  // share of reads that return a stale value
  double read_rate = 0.5;     // append: share of ops that are reads
  bool string_append = true;  // append: elements are strings appended to a string
  uint64_t seed = 1;
};

// Calls `sink` for every event. Returns the number of events.
int64_t generate_history(const GenSpec& spec, const std::function<void(const history::Op&)>& sink);

}  // namespace faultline::bench
