#pragma once
// ValueTable: interns history values to small ints so model states and ops are ints.
// Shared (read-only after preparation) between a key's model and its reports.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "history/op.h"

namespace faultline::checkers::linearizable {

class ValueTable {
 public:
  int32_t intern(const history::Value& v) {
    std::string text = history::to_text(v);
    auto [it, inserted] = ids_.try_emplace(text, static_cast<int32_t>(texts_.size()));
    if (inserted) texts_.push_back(std::move(text));
    return it->second;
  }
  const std::string& text(int32_t id) const { return texts_[static_cast<size_t>(id)]; }
  size_t size() const { return texts_.size(); }

 private:
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<std::string> texts_;
};

}  // namespace faultline::checkers::linearizable
