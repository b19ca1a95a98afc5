#pragma once
// Transitions: a model seen by the search (wgl.h) as integers. States and op classes
// (ops that act identically, e.g. every `write 3`) are interned to small ints, so the
// search hashes and compares ints only, and each (state, class) step is computed once
// and then read from a table. InternedTransitions adapts a typed model (models/*.h).
// One instance per key; used by one thread at a time.

#include <concepts>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace faultline::checkers::linearizable {

inline constexpr int32_t kIllegal = -1;

class Transitions {
 public:
  virtual ~Transitions() = default;
  virtual int32_t initial() const = 0;
  // The state after an op of class `cls` in `state`, or kIllegal.
  virtual int32_t step(int32_t state, int32_t cls) = 0;
  // Pruning hook, exact by contract: a *blind* state is one from which no observing
  // op (e.g. a read) can ever be legal again. The search never enters a blind state
  // while an observing op is still to be linearized.
  virtual bool observes(int32_t cls) const = 0;
  virtual bool blind(int32_t state) const = 0;
  // True if ops of this class never change any state they are legal in (reads).
  virtual bool read_only(int32_t cls) const = 0;
  virtual std::string describe_state(int32_t state) const = 0;
  virtual std::string describe_class(int32_t cls) const = 0;
  virtual int64_t memory_bytes() const = 0;
};

// A typed model M provides:
//   using State = ...; using Op = ...;   (both equality-comparable)
//   State init() const;
//   std::optional<State> step(const State&, const Op&) const;   // nullopt: illegal
//   uint64_t hash_state(const State&) const; uint64_t hash_op(const Op&) const;
//   std::string describe_state(const State&) const; std::string describe_op(const Op&) const;
// and optionally bool observes(const Op&) const, bool blind(const State&) const and
// bool read_only(const Op&) const (all default to false), and
// size_t heap_bytes(const State&) const, the memory a state owns beyond its size
// (default 0), so that the memory limit counts every interned state.
template <class M>
class InternedTransitions final : public Transitions {
 public:
  using State = typename M::State;
  using Op = typename M::Op;

  explicit InternedTransitions(M model)
      : model_(std::move(model)),
        state_ids_(16, StateHash{&model_}),
        class_ids_(16, OpHash{&model_}) {
    initial_ = intern_state(model_.init());
  }

  // Interns an op; must be called before the first step().
  int32_t add_class(const Op& op) {
    auto [it, inserted] = class_ids_.try_emplace(op, static_cast<int32_t>(classes_.size()));
    if (inserted) {
      classes_.push_back(op);
      if constexpr (requires(const M& m, const Op& o) { m.observes(o); }) {
        observes_.push_back(model_.observes(op));
      } else {
        observes_.push_back(false);
      }
      if constexpr (requires(const M& m, const Op& o) { m.read_only(o); }) {
        read_only_.push_back(model_.read_only(op));
      } else {
        read_only_.push_back(false);
      }
    }
    return it->second;
  }

  int32_t initial() const override { return initial_; }

  int32_t step(int32_t state, int32_t cls) override {
    const size_t k = classes_.size();
    const size_t slot = static_cast<size_t>(state) * k + static_cast<size_t>(cls);
    if (slot < table_.size() && table_[slot] != kUnknown) return table_[slot];
    auto next = model_.step(states_[static_cast<size_t>(state)], classes_[static_cast<size_t>(cls)]);
    const int32_t result = next ? intern_state(std::move(*next)) : kIllegal;
    // The dense table is bounded; beyond it steps are recomputed (still exact).
    if (states_.size() * k <= kMaxTableEntries) {
      if (table_.size() < states_.size() * k) table_.resize(states_.size() * k, kUnknown);
      table_[slot] = result;
    }
    return result;
  }

  bool observes(int32_t cls) const override { return observes_[static_cast<size_t>(cls)]; }
  bool read_only(int32_t cls) const override { return read_only_[static_cast<size_t>(cls)]; }
  bool blind(int32_t state) const override {
    if constexpr (requires(const M& m, const State& s) { m.blind(s); }) {
      return model_.blind(states_[static_cast<size_t>(state)]);
    } else {
      (void)state;
      return false;
    }
  }
  std::string describe_state(int32_t state) const override {
    return model_.describe_state(states_[static_cast<size_t>(state)]);
  }
  std::string describe_class(int32_t cls) const override {
    return model_.describe_op(classes_[static_cast<size_t>(cls)]);
  }
  int64_t memory_bytes() const override {
    return static_cast<int64_t>(table_.capacity() * sizeof(int32_t) +
                                states_.capacity() * sizeof(State) +
                                classes_.capacity() * sizeof(Op) * 3) +
           state_bytes_;
  }
  const M& model() const { return model_; }
  size_t state_count() const { return states_.size(); }

 private:
  static constexpr int32_t kUnknown = -2;
  static constexpr size_t kMaxTableEntries = size_t{1} << 24;
  static constexpr size_t kMapNodeBytes = 48;

  struct StateHash {
    const M* m;
    size_t operator()(const State& s) const { return m->hash_state(s); }
  };
  struct OpHash {
    const M* m;
    size_t operator()(const Op& o) const { return m->hash_op(o); }
  };

  int32_t intern_state(State s) {
    auto it = state_ids_.find(s);
    if (it != state_ids_.end()) return it->second;
    const auto id = static_cast<int32_t>(states_.size());
    // Each state is held twice (the vector and the map's key) plus a map node.
    size_t heap = 0;
    if constexpr (requires(const M& m, const State& st) { m.heap_bytes(st); }) {
      heap = model_.heap_bytes(s);
    }
    state_bytes_ += static_cast<int64_t>(2 * heap + sizeof(State) + kMapNodeBytes);
    states_.push_back(s);
    state_ids_.emplace(std::move(s), id);
    return id;
  }

  M model_;
  std::vector<State> states_;
  std::unordered_map<State, int32_t, StateHash> state_ids_;
  std::vector<Op> classes_;
  std::unordered_map<Op, int32_t, OpHash> class_ids_;
  std::vector<bool> observes_;
  std::vector<bool> read_only_;
  std::vector<int32_t> table_;
  int32_t initial_ = 0;
  int64_t state_bytes_ = 0;
};

}  // namespace faultline::checkers::linearizable
