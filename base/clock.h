#pragma once
// Clock: the one way code reads time, so tests and simulations can substitute a
// FakeClock (STYLE.md §3). Times are nanoseconds. RealClock reads CLOCK_MONOTONIC and
// is thread-safe; FakeClock moves only when told and is not thread-safe.

#include <cstdint>

namespace faultline::base {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds on a clock that never goes backwards.
  virtual int64_t now_ns() const = 0;
};

class RealClock final : public Clock {
 public:
  int64_t now_ns() const override;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ns = 0) : now_(start_ns) {}
  int64_t now_ns() const override { return now_; }
  void advance_ns(int64_t delta) { now_ += delta; }

 private:
  int64_t now_;
};

// A process-wide RealClock for code that is handed no clock.
const Clock& real_clock();

}  // namespace faultline::base
