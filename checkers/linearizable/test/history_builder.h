#pragma once
// A terse way to write histories in tests:
//   HistoryBuilder h; h.invoke(1, "write", 3).ok(1).invoke(2, "read").ok(2, 3);
// A completion repeats its process's last invoke (f, key, value) unless given a value.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checkers/linearizable/checker.h"
#include "history/op.h"

namespace faultline::checkers::linearizable::testing {

class HistoryBuilder {
 public:
  HistoryBuilder& invoke(int64_t p, std::string f, history::Value v = {},
                         std::optional<history::Value> key = {}) {
    history::Op op;
    op.process = history::Process::client(p);
    op.type = history::OpType::Invoke;
    op.f = std::move(f);
    op.value = std::move(v);
    op.key = std::move(key);
    last_[p] = op;
    return push(std::move(op));
  }
  HistoryBuilder& ok(int64_t p, std::optional<history::Value> v = {}) {
    return complete(p, history::OpType::Ok, std::move(v));
  }
  HistoryBuilder& fail(int64_t p) { return complete(p, history::OpType::Fail, {}); }
  HistoryBuilder& info(int64_t p) { return complete(p, history::OpType::Info, {}); }
  const std::vector<history::Op>& ops() const { return ops_; }

  base::Result<LinearizabilityResult> check(CheckOptions options) const {
    LinearizabilityChecker checker(std::move(options), "test");
    for (const auto& op : ops_) {
      auto s = checker.add(op);
      if (!s.ok()) return s.error();
    }
    return checker.check();
  }

 private:
  HistoryBuilder& complete(int64_t p, history::OpType type, std::optional<history::Value> v) {
    history::Op op = last_.at(p);
    op.type = type;
    if (v) op.value = std::move(*v);
    return push(std::move(op));
  }
  HistoryBuilder& push(history::Op op) {
    op.line = static_cast<int64_t>(ops_.size()) + 1;
    ops_.push_back(std::move(op));
    return *this;
  }
  std::vector<history::Op> ops_;
  std::map<int64_t, history::Op> last_;
};

inline CheckOptions options_for(ModelKind model, history::Value initial = {}) {
  CheckOptions o;
  o.model = model;
  o.initial = std::move(initial);
  o.threads = 1;
  return o;
}

inline Verdict verdict_of(const HistoryBuilder& h, const CheckOptions& o) {
  auto r = h.check(o);
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return Verdict::Unknown;
  }
  return r->verdict;
}

}  // namespace faultline::checkers::linearizable::testing
