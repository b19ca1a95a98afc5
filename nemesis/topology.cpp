#include "nemesis/topology.h"

#include <algorithm>
#include <set>
#include <utility>

namespace faultline::nemesis {
namespace {

std::string trim(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  const auto end = s.find_last_not_of(" \t");
  return std::string(s.substr(begin, end - begin + 1));
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

}  // namespace

std::vector<NodeName> shuffled(std::vector<NodeName> nodes, base::Random& random) {
  for (size_t i = nodes.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(random.below(i));
    std::swap(nodes[i - 1], nodes[j]);
  }
  return nodes;
}

Partition grudge_from_groups(const std::vector<std::vector<NodeName>>& groups) {
  Partition p;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const auto& node : groups[g]) {
      for (size_t other = 0; other < groups.size(); ++other) {
        if (other == g) continue;
        for (const auto& peer : groups[other]) {
          if (peer != node) p.grudge[node].insert(peer);
        }
      }
    }
  }
  return p;
}

Partition halves(const std::vector<NodeName>& nodes) {
  if (nodes.size() < 2) return {};
  const auto mid = nodes.begin() + static_cast<std::ptrdiff_t>(nodes.size() / 2);
  return grudge_from_groups({{nodes.begin(), mid}, {mid, nodes.end()}});
}

Partition random_halves(const std::vector<NodeName>& nodes, base::Random& random) {
  return halves(shuffled(nodes, random));
}

base::Result<Partition> isolate(const std::vector<NodeName>& nodes, const NodeName& node) {
  if (std::find(nodes.begin(), nodes.end(), node) == nodes.end()) {
    return base::Error{"cannot isolate " + node + ": it is not one of the nodes"};
  }
  std::vector<NodeName> rest;
  for (const auto& n : nodes) {
    if (n != node) rest.push_back(n);
  }
  return grudge_from_groups({{node}, rest});
}

Partition isolate_random(const std::vector<NodeName>& nodes, base::Random& random) {
  return *isolate(nodes, nodes[static_cast<size_t>(random.below(nodes.size()))]);
}

Partition majorities_ring_in_order(const std::vector<NodeName>& ring) {
  const size_t n = ring.size();
  if (n < 3) return {};
  const size_t m = n / 2 + 1;
  Partition p;
  for (size_t start = 0; start < n; ++start) {
    std::set<NodeName> window;
    for (size_t k = 0; k < m; ++k) window.insert(ring[(start + k) % n]);
    const NodeName& owner = ring[(start + m / 2) % n];
    for (const auto& node : ring) {
      if (window.count(node) == 0) p.grudge[owner].insert(node);
    }
  }
  return p;
}

Partition majorities_ring(const std::vector<NodeName>& nodes, base::Random& random) {
  return majorities_ring_in_order(shuffled(nodes, random));
}

Partition bridge(const std::vector<NodeName>& nodes) {
  if (nodes.size() < 3) return {};
  const size_t mid = nodes.size() / 2;
  std::vector<NodeName> first(nodes.begin(), nodes.begin() + static_cast<std::ptrdiff_t>(mid));
  std::vector<NodeName> second(nodes.begin() + static_cast<std::ptrdiff_t>(mid) + 1, nodes.end());
  return grudge_from_groups({first, second});
}

Partition minority_third(const std::vector<NodeName>& nodes, base::Random& random) {
  if (nodes.size() < 2) return {};
  const size_t k = std::max<size_t>(1, nodes.size() / 3);
  auto order = shuffled(nodes, random);
  std::vector<NodeName> cut(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k));
  std::vector<NodeName> rest(order.begin() + static_cast<std::ptrdiff_t>(k), order.end());
  std::sort(cut.begin(), cut.end());
  std::sort(rest.begin(), rest.end());
  return grudge_from_groups({cut, rest});
}

base::Result<Partition> explicit_grudge(std::string_view text, const std::vector<NodeName>& nodes) {
  const std::set<NodeName> known(nodes.begin(), nodes.end());
  auto bad = [&](const std::string& why) {
    return base::Error{"grudge '" + std::string(text) + "': " + why};
  };
  if (trim(text).empty()) return bad("is empty");
  Partition p;
  for (std::string_view entry : split(text, ';')) {
    const std::string shown = trim(entry);
    const auto colon = entry.find(':');
    if (colon == std::string_view::npos) {
      return bad("entry '" + shown + "' has no ':' (expected node:peer,peer)");
    }
    const std::string node = trim(entry.substr(0, colon));
    if (node.empty()) return bad("entry '" + shown + "' has no node before ':'");
    if (known.count(node) == 0) return bad("unknown node '" + node + "'");
    if (p.grudge.count(node) != 0) return bad("node '" + node + "' is listed twice");
    const std::string_view peers = entry.substr(colon + 1);
    if (trim(peers).empty()) return bad("node '" + node + "' drops nobody (empty list after ':')");
    std::set<NodeName>& dropped = p.grudge[node];
    for (std::string_view raw : split(peers, ',')) {
      const std::string peer = trim(raw);
      if (peer.empty()) return bad("node '" + node + "' has an empty peer name");
      if (known.count(peer) == 0)
        return bad("unknown node '" + peer + "' (dropped by " + node + ")");
      if (peer == node) return bad("node '" + node + "' cannot drop itself");
      dropped.insert(peer);
    }
  }
  return p;
}

}  // namespace faultline::nemesis
