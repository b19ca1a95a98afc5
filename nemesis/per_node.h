#pragma once
// per_node: runs fn(node) on each distinct node of `nodes` in parallel (through the
// SSH pool's on_nodes) and returns one result per distinct node, in the order first
// asked. Each node runs once: two threads on one node would race. Internal to
// nemesis/; thread-safe as far as fn is.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "harness/control/ssh.h"
#include "nemesis/faults.h"
#include "nemesis/text.h"

namespace faultline::nemesis {

template <class T, class Fn>
std::vector<base::Result<T>> per_node(harness::control::Pool& pool,
                                      const std::vector<NodeName>& nodes, Fn fn) {
  std::vector<NodeName> unique;
  std::set<NodeName> seen;
  for (const auto& n : nodes) {
    if (seen.insert(n).second) unique.push_back(n);
  }
  std::map<NodeName, size_t> index;
  for (size_t i = 0; i < unique.size(); ++i) index[unique[i]] = i;
  // One slot per node; each thread writes only its own, and on_nodes joins them all.
  std::vector<std::optional<base::Result<T>>> slots(unique.size());
  auto statuses = pool.on_nodes(unique, [&](const std::string& node) -> base::Status {
    base::Result<T> r = fn(node);
    base::Status status = r.ok() ? base::ok_status() : base::Status(r.error());
    slots[index.at(node)].emplace(std::move(r));
    return status;
  });
  std::vector<base::Result<T>> out;
  for (size_t i = 0; i < unique.size(); ++i) {
    if (slots[i]) {
      out.push_back(std::move(*slots[i]));
    } else if (i < statuses.size() && !statuses[i].ok()) {
      out.emplace_back(statuses[i].error());
    } else {
      out.emplace_back(base::Error{text::where(unique[i]) + ": no result"});
    }
  }
  return out;
}

}  // namespace faultline::nemesis
