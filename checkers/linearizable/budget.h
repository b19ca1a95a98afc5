#pragma once
// MemoryBudget: the bytes that all searches of one check may hold together
// (`--memory-limit`). A search reserves before it grows; when a reservation is
// refused the search stops with an unknown verdict instead of growing. Thread-safe.

#include <atomic>
#include <cstdint>

namespace faultline::checkers::linearizable {

class MemoryBudget {
 public:
  explicit MemoryBudget(int64_t limit_bytes) : limit_(limit_bytes) {}

  // True if `bytes` more fit under the limit (and are now counted).
  bool try_reserve(int64_t bytes) {
    int64_t used = used_.load(std::memory_order_relaxed);
    while (true) {
      if (used + bytes > limit_) return false;
      if (used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed)) {
        update_peak(used + bytes);
        return true;
      }
    }
  }
  void release(int64_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  int64_t used() const { return used_.load(std::memory_order_relaxed); }
  int64_t peak() const { return peak_.load(std::memory_order_relaxed); }
  int64_t limit() const { return limit_; }

 private:
  void update_peak(int64_t v) {
    int64_t p = peak_.load(std::memory_order_relaxed);
    while (v > p && !peak_.compare_exchange_weak(p, v, std::memory_order_relaxed)) {
    }
  }
  const int64_t limit_;
  std::atomic<int64_t> used_{0};
  std::atomic<int64_t> peak_{0};
};

}  // namespace faultline::checkers::linearizable
