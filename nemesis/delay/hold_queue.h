#pragma once
// HoldQueue: when each packet that the delay helper (faultline-delay) holds may go.
// A packet that arrives at time t is released at t + delay + jitter, jitter uniform in
// [-jitter_ms, +jitter_ms] from a seeded generator, but never before the packet that
// arrived before it: packets leave in the order they came (netem's jitter reorders;
// within a TCP stream that only turns into duplicate acks and retransmits, which would
// measure TCP, not the system under test). Pure and deterministic; not thread-safe.

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "base/random.h"

namespace faultline::nemesis::delay {

class HoldQueue {
 public:
  // delay_ms >= 0, 0 <= jitter_ms <= delay_ms (checked by the helper's flags).
  HoldQueue(int64_t delay_ms, int64_t jitter_ms, uint64_t seed);

  // Holds packet `id` that arrived at `now_ns`; returns when it will be released.
  int64_t hold(uint32_t id, int64_t now_ns);
  // Removes and returns, in arrival order, every packet due at `now_ns`.
  std::vector<uint32_t> due(int64_t now_ns);
  // Removes and returns every packet still held (at exit: let them all go).
  std::vector<uint32_t> drain();
  // When the first held packet is due; nullopt if none is held.
  std::optional<int64_t> next_release_ns() const;
  size_t size() const { return held_.size(); }

 private:
  struct Held {
    uint32_t id;
    int64_t release_ns;
  };
  int64_t delay_ns_;
  int64_t jitter_ns_;
  base::Random random_;
  int64_t last_release_ns_ = 0;
  std::deque<Held> held_;
};

}  // namespace faultline::nemesis::delay
