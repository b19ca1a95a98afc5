#include "checkers/linearizable/memo.h"

#include <algorithm>

namespace faultline::checkers::linearizable {

ConfigMemo::ConfigMemo() : slots_(1024) {}

bool ConfigMemo::matches(const Slot& slot, uint64_t hash, std::span<const uint32_t> key) const {
  if (slot.hash != hash) return false;
  const uint32_t* stored = arena_.data() + (slot.offset - 1);
  if (stored[0] != key.size()) return false;
  return std::equal(key.begin(), key.end(), stored + 1);
}

bool ConfigMemo::contains(uint64_t hash, std::span<const uint32_t> key) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.offset == 0) return false;
    if (matches(slot, hash, key)) return true;
  }
}

void ConfigMemo::insert(uint64_t hash, std::span<const uint32_t> key) {
  if ((count_ + 1) * 4 > static_cast<int64_t>(slots_.size()) * 3) grow();
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i].offset != 0) i = (i + 1) & mask;
  slots_[i].hash = hash;
  slots_[i].offset = arena_.size() + 1;
  arena_.push_back(static_cast<uint32_t>(key.size()));
  arena_.insert(arena_.end(), key.begin(), key.end());
  ++count_;
}

void ConfigMemo::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.offset == 0) continue;
    size_t i = s.hash & mask;
    while (slots_[i].offset != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

int64_t ConfigMemo::memory_bytes() const {
  return static_cast<int64_t>(slots_.capacity() * sizeof(Slot) +
                              arena_.capacity() * sizeof(uint32_t));
}

int64_t ConfigMemo::growth_bytes(size_t key_words) const {
  int64_t bytes = static_cast<int64_t>((key_words + 1) * sizeof(uint32_t));
  // The arena may double its capacity.
  if (arena_.size() + key_words + 1 > arena_.capacity()) {
    bytes += static_cast<int64_t>(std::max<size_t>(arena_.capacity(), key_words + 1) *
                                  sizeof(uint32_t));
  }
  if ((count_ + 1) * 4 > static_cast<int64_t>(slots_.size()) * 3) {
    bytes += static_cast<int64_t>(slots_.size() * 2 * sizeof(Slot));
  }
  return bytes;
}

}  // namespace faultline::checkers::linearizable
