#pragma once
// Partition topologies (Jepsen's nemesis grudges): pure functions that turn the list of
// nodes into a Partition, i.e. who drops whose packets. The nemesis schedule calls
// them to pick a partition and hands the result to a network backend (IptablesNet) or
// the simulator. Pure; thread-safe as long as each thread brings its own Random.
//
// Every function takes `nodes` sorted and without duplicates (as the nodes file gives
// them); a node that drops nothing is absent from the grudge, so equal partitions
// compare equal. Groups in a "complete separation" drop every node of every other group.

#include <string>
#include <string_view>
#include <vector>

#include "base/random.h"
#include "base/result.h"
#include "nemesis/faults.h"

namespace faultline::nemesis {

// Complete separation between the groups: each node drops every node that is in a
// different group. Nodes of no group are untouched.
Partition grudge_from_groups(const std::vector<std::vector<NodeName>>& groups);

// `nodes` split into two groups: the first floor(n/2) nodes and the rest (for odd n
// the first group is the smaller one), completely separated. n < 2: no partition.
Partition halves(const std::vector<NodeName>& nodes);

// halves() of a random permutation of `nodes`.
Partition random_halves(const std::vector<NodeName>& nodes, base::Random& random);

// `node` cut off from every other node, both ways. Error if `node` is not in `nodes`.
// (Isolating the leader is this with the target's leader, once the caller knows it.)
base::Result<Partition> isolate(const std::vector<NodeName>& nodes, const NodeName& node);

// isolate() of a node picked at random. Precondition: !nodes.empty().
Partition isolate_random(const std::vector<NodeName>& nodes, base::Random& random);

// Jepsen's majorities ring over `ring` in the given order: with m = n/2 + 1, every
// window of m consecutive nodes (cyclically) belongs to its middle node (index m/2 of
// the window), which drops every node outside it. So each node sees a majority
// (itself included), and no two nodes see the same one. Symmetric for odd m (n = 5:
// each node drops the two nodes opposite it); for even m it is not (n = 3: each node
// drops its successor). n < 3: no partition.
Partition majorities_ring_in_order(const std::vector<NodeName>& ring);

// majorities_ring_in_order() of a random permutation of `nodes`.
Partition majorities_ring(const std::vector<NodeName>& nodes, base::Random& random);

// Jepsen's bridge: the halves() split, with the first node of the second (larger)
// group as the bridge. The two halves without the bridge are completely separated;
// the bridge drops nothing and nobody drops it. n < 3: no partition.
Partition bridge(const std::vector<NodeName>& nodes);

// A random third of the nodes (max(1, n/3) of them) completely separated from the
// rest. n < 2: no partition.
Partition minority_third(const std::vector<NodeName>& nodes, base::Random& random);

// A grudge written out: `node:peer,peer;node:peer`, e.g. "n1:n2,n3;n4:n5" means n1
// drops n2 and n3, and n4 drops n5. Spaces around names are ignored. Errors name what
// was wrong: a missing ':', an empty name or peer list, a node not in `nodes`, a node
// dropping itself, a node listed twice.
base::Result<Partition> explicit_grudge(std::string_view text, const std::vector<NodeName>& nodes);

// `nodes` in a random order (Fisher–Yates with `random`).
std::vector<NodeName> shuffled(std::vector<NodeName> nodes, base::Random& random);

}  // namespace faultline::nemesis
