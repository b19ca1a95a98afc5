#pragma once
// ConfigMemo: the set of search configurations (linearized ops, model state) already
// explored, so the search never explores one twice (Lowe's memoisation, as in
// Porcupine and Knossos). Configurations are stored exactly (a 64-bit hash finds the
// slot, the full key decides), so a hash collision can never prune a live branch.
// Keys are short uint32 sequences (see wgl.cpp for the encoding) kept in one arena.
// One instance per search; not thread-safe.

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace faultline::checkers::linearizable {

class ConfigMemo {
 public:
  ConfigMemo();
  bool contains(uint64_t hash, std::span<const uint32_t> key) const;
  // Precondition: !contains(hash, key).
  void insert(uint64_t hash, std::span<const uint32_t> key);
  int64_t size() const { return count_; }
  int64_t memory_bytes() const;
  // Bytes that insert() of a key of this length may add (arena and, at a resize,
  // the new slot array), for reserving against a MemoryBudget beforehand.
  int64_t growth_bytes(size_t key_words) const;
  // Frees everything: `other` becomes this (an empty memo is cheap to make).
  void swap_into(ConfigMemo& other) {
    slots_.swap(other.slots_);
    arena_.swap(other.arena_);
    std::swap(count_, other.count_);
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint64_t offset = 0;  // 0 = empty; else 1 + start of [len, words...] in arena_
  };
  bool matches(const Slot& slot, uint64_t hash, std::span<const uint32_t> key) const;
  void grow();

  std::vector<Slot> slots_;
  std::vector<uint32_t> arena_;
  int64_t count_ = 0;
};

}  // namespace faultline::checkers::linearizable
