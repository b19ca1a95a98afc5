#include "checkers/linearizable/wgl.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "base/log.h"
#include "base/random.h"

namespace faultline::checkers::linearizable {
namespace {

inline bool test_bit(const std::vector<uint64_t>& bits, int64_t i) {
  return (bits[static_cast<size_t>(i >> 6)] >> (i & 63)) & 1;
}
inline void flip_bit(std::vector<uint64_t>& bits, int64_t i) {
  bits[static_cast<size_t>(i >> 6)] ^= uint64_t{1} << (i & 63);
}

// Appends the words of `bits` from word `first` on, up to the last word that holds
// one of the `set_beyond` bits set from there on; prefixed by their count.
void encode_words(std::vector<uint32_t>& key, const std::vector<uint64_t>& bits, size_t first,
                  int64_t set_beyond) {
  const size_t count_at = key.size();
  key.push_back(0);
  uint32_t words = 0;
  for (size_t w = first; set_beyond > 0; ++w, ++words) {
    const uint64_t word = bits[w];
    key.push_back(static_cast<uint32_t>(word));
    key.push_back(static_cast<uint32_t>(word >> 32));
    set_beyond -= std::popcount(word);
  }
  key[count_at] = words;
}

}  // namespace

WglSearch::WglSearch(std::vector<SearchOp> ops, std::unique_ptr<Transitions> transitions,
                     MemoryBudget* budget, Prunings prunings)
    : ops_(std::move(ops)),
      transitions_(std::move(transitions)),
      budget_(budget),
      prunings_(prunings) {
  std::stable_sort(ops_.begin(), ops_.end(),
                   [](const SearchOp& a, const SearchOp& b) { return a.call_pos < b.call_pos; });
}

WglSearch::~WglSearch() { release_memory(); }

void WglSearch::build() {
  built_ = true;
  const auto n = static_cast<int32_t>(ops_.size());
  head_ = 2 * n;
  info_head_ = 2 * n + 1;
  next_.assign(static_cast<size_t>(2 * n + 2), -1);
  prev_.assign(static_cast<size_t>(2 * n + 2), -1);

  // Two lists in history order: calls and returns of completed ops, and calls of
  // indeterminate ops. At equal positions calls come first: ops that touch the same
  // instant are treated as concurrent, never as ordered.
  std::vector<std::pair<int64_t, int32_t>> completed, indeterminate;
  for (int32_t i = 0; i < n; ++i) {
    const SearchOp& op = ops_[static_cast<size_t>(i)];
    if (op.ret_pos != kNever) {
      completed.emplace_back(op.call_pos, 2 * i);
      completed.emplace_back(op.ret_pos, 2 * i + 1);
    } else {
      indeterminate.emplace_back(op.call_pos, 2 * i);
    }
  }
  auto link = [&](std::vector<std::pair<int64_t, int32_t>>& entries, int32_t head) {
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      if ((a.second & 1) != (b.second & 1)) return (a.second & 1) < (b.second & 1);
      return a.second < b.second;
    });
    int32_t last = head;
    for (const auto& [pos, e] : entries) {
      next_[static_cast<size_t>(last)] = e;
      prev_[static_cast<size_t>(e)] = last;
      last = e;
    }
    next_[static_cast<size_t>(last)] = head;
    prev_[static_cast<size_t>(head)] = last;
  };
  link(completed, head_);
  link(indeterminate, info_head_);

  rank_.resize(static_cast<size_t>(n));
  group_.assign(static_cast<size_t>(n), -1);
  group_rank_.assign(static_cast<size_t>(n), 0);
  std::vector<int32_t> group_of_class;
  for (int32_t i = 0; i < n; ++i) {
    const SearchOp& op = ops_[static_cast<size_t>(i)];
    if (op.ret_pos != kNever) {
      rank_[static_cast<size_t>(i)] = static_cast<int32_t>(completed_count_++);
      if (transitions_->observes(op.cls)) ++remaining_observers_;
    } else {
      rank_[static_cast<size_t>(i)] = static_cast<int32_t>(info_count_++);
      // Indeterminate ops of one class are interchangeable: any linearization that
      // uses a later one but not an earlier one can use the earlier one instead
      // (it was invoked no later and may also take effect at any later point).
      if (static_cast<size_t>(op.cls) >= group_of_class.size()) {
        group_of_class.resize(static_cast<size_t>(op.cls) + 1, -1);
      }
      int32_t& g = group_of_class[static_cast<size_t>(op.cls)];
      if (g < 0) {
        g = static_cast<int32_t>(group_taken_.size());
        group_taken_.push_back(0);
      }
      group_[static_cast<size_t>(i)] = g;
    }
  }
  // group_rank_: position among the group's members in call order.
  std::vector<int32_t> members(group_taken_.size(), 0);
  for (int32_t i = 0; i < n; ++i) {
    if (group_[static_cast<size_t>(i)] >= 0) {
      group_rank_[static_cast<size_t>(i)] = members[static_cast<size_t>(group_[static_cast<size_t>(i)])]++;
    }
  }
  remaining_completed_ = completed_count_;
  done_completed_.assign(static_cast<size_t>((completed_count_ + 64) / 64 + 1), 0);
  done_info_.assign(static_cast<size_t>((info_count_ + 64) / 64 + 1), 0);

  zobrist_.resize(static_cast<size_t>(n));
  uint64_t seed = 0x5eed5eed12345678ULL;
  for (auto& z : zobrist_) z = base::splitmix64(seed);

  state_ = transitions_->initial();
  cursor_ = next_[static_cast<size_t>(head_)];
  fresh_ = true;
}

void WglSearch::lift(int32_t op) {
  auto unlink = [&](int32_t e) {
    next_[static_cast<size_t>(prev_[static_cast<size_t>(e)])] = next_[static_cast<size_t>(e)];
    prev_[static_cast<size_t>(next_[static_cast<size_t>(e)])] = prev_[static_cast<size_t>(e)];
  };
  unlink(2 * op);
  if (ops_[static_cast<size_t>(op)].ret_pos != kNever) unlink(2 * op + 1);
}

void WglSearch::unlift(int32_t op) {
  // Dancing links: restore in the reverse order of lift().
  auto relink = [&](int32_t e) {
    next_[static_cast<size_t>(prev_[static_cast<size_t>(e)])] = e;
    prev_[static_cast<size_t>(next_[static_cast<size_t>(e)])] = e;
  };
  if (ops_[static_cast<size_t>(op)].ret_pos != kNever) relink(2 * op + 1);
  relink(2 * op);
}

void WglSearch::mark(int32_t op, bool on) {
  const SearchOp& o = ops_[static_cast<size_t>(op)];
  const int64_t r = rank_[static_cast<size_t>(op)];
  set_hash_ ^= zobrist_[static_cast<size_t>(op)];
  if (o.ret_pos != kNever) {
    flip_bit(done_completed_, r);
    const bool observer = transitions_->observes(o.cls);
    if (on) {
      ++lin_completed_;
      --remaining_completed_;
      if (observer) --remaining_observers_;
      if (r == prefix_) {
        while (prefix_ < completed_count_ && test_bit(done_completed_, prefix_)) ++prefix_;
      }
    } else {
      --lin_completed_;
      ++remaining_completed_;
      if (observer) ++remaining_observers_;
      if (r < prefix_) prefix_ = r;
    }
  } else {
    flip_bit(done_info_, r);
    const int32_t g = group_[static_cast<size_t>(op)];
    if (on) {
      ++lin_info_;
      ++group_taken_[static_cast<size_t>(g)];
    } else {
      --lin_info_;
      --group_taken_[static_cast<size_t>(g)];
    }
  }
}

// The memo key of the current configuration with model state `state`:
// [state, prefix, n, n words of completed ops from prefix's word on, m, m words of
// indeterminate ops]. Completed ops before `prefix` are all linearized, so the key
// stays as short as the window of ops still in flight.
void WglSearch::encode_config(int32_t state) {
  key_.clear();
  key_.push_back(static_cast<uint32_t>(state));
  key_.push_back(static_cast<uint32_t>(prefix_));
  const size_t first = static_cast<size_t>(prefix_ >> 6);
  encode_words(key_, done_completed_, first, lin_completed_ - static_cast<int64_t>(first) * 64);
  encode_words(key_, done_info_, 0, lin_info_);
}

int64_t WglSearch::memory_bytes() const {
  return memo_.memory_bytes() + transitions_->memory_bytes() +
         static_cast<int64_t>(stack_.capacity() * sizeof(Frame) +
                              best_.capacity() * sizeof(PathStep) +
                              (next_.capacity() + prev_.capacity() + rank_.capacity() +
                               group_.capacity() + group_rank_.capacity()) *
                                  sizeof(int32_t) +
                              zobrist_.capacity() * sizeof(uint64_t));
}

bool WglSearch::reserve_for_insert() {
  const int64_t need = memory_bytes() + memo_.growth_bytes(key_.size()) +
                       static_cast<int64_t>(sizeof(Frame) * (stack_.size() + 1) * 2);
  if (need <= reserved_) return true;
  const int64_t chunk = need - reserved_ + (int64_t{1} << 20);
  if (budget_ != nullptr && !budget_->try_reserve(chunk)) return false;
  reserved_ += chunk;
  return true;
}

void WglSearch::note_dead_end(int32_t op) {
  const size_t depth = stack_.size();
  if (result_.failed_op >= 0 && depth <= best_.size()) return;
  best_.resize(best_shared_);
  for (size_t k = best_shared_; k < depth; ++k) {
    const int32_t after = k + 1 < depth ? stack_[k + 1].prev_state : state_;
    best_.push_back(PathStep{stack_[k].op, after});
  }
  best_shared_ = depth;
  result_.failed_op = op;
  result_.state_at_failure = state_;
}

// One step of the search looks at one entry. Candidates for the next op to
// linearize are the calls of completed ops before the first return entry (phase
// Completed), then the indeterminate ops called before that return (phase
// Indeterminate): trying completed ops first keeps old pending indeterminate ops
// from being tried at every step. If no candidate fits, the first return's op cannot
// be placed after what is placed so far: backtrack.
bool WglSearch::run(int64_t max_steps) {
  if (finished_) return true;
  if (!built_) build();
  int64_t steps = 0;
  while (steps < max_steps) {
    ++steps;
    if (remaining_completed_ == 0) {
      // Every completed op is placed; indeterminate ops not yet placed never took
      // effect, which Jepsen's semantics allow.
      result_.steps += steps;
      finish(Verdict::Valid);
      return true;
    }
    if (fresh_ && prunings_.forced_reads) {
      // A new configuration. If a candidate completed op is read-only (it never
      // changes a state) and legal now, it may go next in some linearization
      // whenever any linearization exists: moving it earlier changes no state, and
      // no unplaced op must precede it (it was called before the first return). So
      // it is a forced move: no other candidate is tried here.
      fresh_ = false;
      int32_t forced = -1;
      for (int32_t e = next_[static_cast<size_t>(head_)]; (e & 1) == 0;
           e = next_[static_cast<size_t>(e)]) {
        const int32_t cls = ops_[static_cast<size_t>(e >> 1)].cls;
        if (transitions_->read_only(cls) && transitions_->step(state_, cls) == state_) {
          forced = e >> 1;
          break;
        }
      }
      if (forced >= 0) {
        if (try_linearize(forced, /*forced=*/true)) continue;
        if (finished_) {
          result_.steps += steps;
          return true;
        }
        // Explored before, and failed: so does this configuration.
        if (!backtrack()) {
          result_.steps += steps;
          finish(Verdict::Invalid);
          return true;
        }
        continue;
      }
    }
    const int32_t e = cursor_;
    bool dead_end = false;
    if (!in_indeterminate_) {
      if ((e & 1) == 1) {
        deadline_ = e;  // the first return entry
        in_indeterminate_ = true;
        cursor_ = next_[static_cast<size_t>(info_head_)];
        continue;
      }
    } else {
      dead_end = e == info_head_ || ops_[static_cast<size_t>(e >> 1)].call_pos >
                                        ops_[static_cast<size_t>(deadline_ >> 1)].ret_pos;
    }
    if (!dead_end) {
      if (try_linearize(e >> 1, /*forced=*/false)) continue;
      if (finished_) {
        result_.steps += steps;
        return true;
      }
      cursor_ = next_[static_cast<size_t>(e)];
      continue;
    }
    note_dead_end(deadline_ >> 1);
    if (!backtrack()) {
      result_.steps += steps;
      finish(Verdict::Invalid);
      return true;
    }
  }
  result_.steps += steps;
  return false;
}

// Undoes the last placed op and resumes the walk after it; a forced op has no
// alternatives, so its configuration fails with it and is undone too. False when
// nothing is left to undo: the history is not linearizable.
bool WglSearch::backtrack() {
  while (!stack_.empty()) {
    const Frame f = stack_.back();
    stack_.pop_back();
    best_shared_ = std::min(best_shared_, stack_.size());
    unlift(f.op);
    mark(f.op, false);
    state_ = f.prev_state;
    if (f.forced) continue;
    in_indeterminate_ = ops_[static_cast<size_t>(f.op)].ret_pos == kNever;
    deadline_ = f.deadline;
    cursor_ = next_[static_cast<size_t>(2 * f.op)];
    return true;
  }
  return false;
}

bool WglSearch::try_linearize(int32_t op, bool forced) {
  const SearchOp& o = ops_[static_cast<size_t>(op)];
  const bool indeterminate = o.ret_pos == kNever;
  if (indeterminate && prunings_.interchangeable_first &&
      group_rank_[static_cast<size_t>(op)] !=
                           group_taken_[static_cast<size_t>(group_[static_cast<size_t>(op)])]) {
    return false;  // an earlier op of its class is still unplaced: that one goes first
  }
  const int32_t next_state = transitions_->step(state_, o.cls);
  if (next_state == kIllegal) return false;
  // An indeterminate op that changes nothing here is never needed: dropping it from
  // a linearization leaves every state as it was.
  if (indeterminate && prunings_.skip_idle_indeterminate && next_state == state_) return false;
  const int64_t observers_left =
      remaining_observers_ - (!indeterminate && transitions_->observes(o.cls) ? 1 : 0);
  if (observers_left > 0 && transitions_->blind(next_state)) return false;
  mark(op, true);
  const uint64_t hash =
      set_hash_ ^ base::mix64(static_cast<uint64_t>(next_state) * 0x9e3779b97f4a7c15ULL);
  encode_config(next_state);
  if (memo_.contains(hash, key_)) {
    mark(op, false);
    return false;
  }
  if (!reserve_for_insert()) {
    mark(op, false);
    finish(Verdict::Unknown, "memory limit");
    return false;
  }
  memo_.insert(hash, key_);
  stack_.push_back(Frame{op, state_, in_indeterminate_ ? deadline_ : -1, forced});
  lift(op);
  state_ = next_state;
  in_indeterminate_ = false;
  fresh_ = true;
  cursor_ = next_[static_cast<size_t>(head_)];
  return true;
}

void WglSearch::finish(Verdict verdict, std::string reason) {
  finished_ = true;
  result_.verdict = verdict;
  result_.reason = std::move(reason);
  result_.configs = memo_.size();
  if (verdict == Verdict::Invalid) result_.longest_prefix = best_;
  release_memory();
}

void WglSearch::give_up(const std::string& reason) {
  if (finished_) return;
  finish(Verdict::Unknown, reason);
}

void WglSearch::release_memory() {
  if (budget_ != nullptr && reserved_ > 0) budget_->release(reserved_);
  reserved_ = 0;
  ConfigMemo().swap_into(memo_);
  std::vector<Frame>().swap(stack_);
  std::vector<PathStep>().swap(best_);
  std::vector<int32_t>().swap(next_);
  std::vector<int32_t>().swap(prev_);
  std::vector<uint64_t>().swap(zobrist_);
}

}  // namespace faultline::checkers::linearizable
