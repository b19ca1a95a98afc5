#include "nemesis/delay/hold_queue.h"

#include <algorithm>

namespace faultline::nemesis::delay {

HoldQueue::HoldQueue(int64_t delay_ms, int64_t jitter_ms, uint64_t seed)
    : delay_ns_(delay_ms * 1'000'000), jitter_ns_(jitter_ms * 1'000'000), random_(seed) {}

int64_t HoldQueue::hold(uint32_t id, int64_t now_ns) {
  int64_t wait = delay_ns_;
  if (jitter_ns_ > 0) wait += random_.between(-jitter_ns_, jitter_ns_);
  const int64_t release = std::max({now_ns, now_ns + wait, last_release_ns_});
  last_release_ns_ = release;
  held_.push_back(Held{id, release});
  return release;
}

std::vector<uint32_t> HoldQueue::due(int64_t now_ns) {
  std::vector<uint32_t> out;
  while (!held_.empty() && held_.front().release_ns <= now_ns) {
    out.push_back(held_.front().id);
    held_.pop_front();
  }
  return out;
}

std::vector<uint32_t> HoldQueue::drain() {
  std::vector<uint32_t> out;
  for (const Held& h : held_) out.push_back(h.id);
  held_.clear();
  return out;
}

std::optional<int64_t> HoldQueue::next_release_ns() const {
  if (held_.empty()) return std::nullopt;
  return held_.front().release_ns;
}

}  // namespace faultline::nemesis::delay
