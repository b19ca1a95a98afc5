#pragma once
// A reference linearizability checker for tests: tries every order of every subset of
// the indeterminate ops that is consistent with real time, on the concrete model
// (JSON values, no interning, no abstraction, no memoisation). Exponential; for
// histories of a handful of ops. The fast checker must agree with it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "history/op.h"

namespace faultline::checkers::linearizable::testing {

struct RefOp {
  int64_t call = 0;
  std::optional<int64_t> ret;  // nullopt: may take effect any time after call, or never
  std::string f;
  history::Value value;
};

// model: "cas-register", "register", "append", "mutex". Reads of nil constrain nothing.
inline std::optional<history::Value> ref_step(const std::string& model, const history::Value& s,
                                              const RefOp& op) {
  using history::Value;
  if (model == "mutex") {
    const bool locked = s.is_boolean() && s.get<bool>();
    if (op.f == "acquire") return locked ? std::nullopt : std::optional<Value>(true);
    return locked ? std::optional<Value>(false) : std::nullopt;
  }
  if (op.f == "read") {
    if (op.value.is_null()) return s;
    if (model == "append") {
      const Value have = s.is_null() ? Value::array() : s;
      return have == op.value ? std::optional<Value>(s) : std::nullopt;
    }
    return s == op.value ? std::optional<Value>(s) : std::nullopt;
  }
  if (op.f == "write") return op.value;
  if (op.f == "cas") return s == op.value[0] ? std::optional<Value>(op.value[1]) : std::nullopt;
  if (op.f == "append") {
    Value next = s.is_null() ? Value::array() : s;
    next.push_back(op.value);
    return next;
  }
  return std::nullopt;
}

class BruteForce {
 public:
  BruteForce(std::string model, std::vector<RefOp> ops) : model_(std::move(model)), ops_(std::move(ops)) {}

  bool linearizable(const history::Value& initial) {
    placed_.assign(ops_.size(), false);
    return search(initial);
  }

 private:
  // Places one more op; an indeterminate op may also be left out for good, which is
  // the same as never placing it, so the search ends when every completed op is placed.
  bool search(const history::Value& state) {
    bool all_completed = true;
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (!placed_[i] && ops_[i].ret) all_completed = false;
    }
    if (all_completed) return true;
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (placed_[i] || !may_go_next(i)) continue;
      auto next = ref_step(model_, state, ops_[i]);
      if (!next) continue;
      placed_[i] = true;
      const bool ok = search(*next);
      placed_[i] = false;
      if (ok) return true;
    }
    return false;
  }
  // No unplaced completed op returned before op i was called. (An unplaced
  // indeterminate op never constrains: it may take effect later or never.)
  bool may_go_next(size_t i) const {
    for (size_t j = 0; j < ops_.size(); ++j) {
      if (j != i && !placed_[j] && ops_[j].ret && *ops_[j].ret < ops_[i].call) return false;
    }
    return true;
  }

  std::string model_;
  std::vector<RefOp> ops_;
  std::vector<bool> placed_;
};

}  // namespace faultline::checkers::linearizable::testing
