#include "base/clock.h"

#include <ctime>

namespace faultline::base {

int64_t RealClock::now_ns() const {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

const Clock& real_clock() {
  static const RealClock clock;
  return clock;
}

}  // namespace faultline::base
