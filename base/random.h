#pragma once
// Random: a seeded, deterministic generator (xoshiro256** seeded by splitmix64), the
// only source of randomness in faultline (STYLE.md §3). The same seed gives the same
// sequence on every machine. Not thread-safe: give each thread its own, seeded from
// the run's seed.

#include <cstdint>

namespace faultline::base {

// splitmix64: also a good 64-bit mixer for hashing.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline uint64_t mix64(uint64_t x) {
  uint64_t s = x;
  return splitmix64(s);
}

class Random {
 public:
  explicit Random(uint64_t seed) : seed_(seed) {
    uint64_t s = seed;
    for (auto& word : s_) word = splitmix64(s);
  }

  uint64_t seed() const { return seed_; }

  uint64_t next_u64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n). Precondition: n > 0. Lemire's multiply-shift; the tiny bias
  // for huge n does not matter for test generation.
  uint64_t below(uint64_t n) {
    __extension__ using U128 = unsigned __int128;
    return static_cast<uint64_t>((static_cast<U128>(next_u64()) * n) >> 64);
  }

  // Uniform in [lo, hi]. Precondition: lo <= hi.
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }

  // True with probability p.
  bool chance(double p) { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53 < p; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t seed_;
  uint64_t s_[4];
};

}  // namespace faultline::base
