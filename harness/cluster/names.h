#pragma once
// Names and addresses of a local cluster (DESIGN.md "Local cluster"). Pure functions:
// everything a cluster creates on the host is named from a short id derived from its
// state directory, so two clusters with different state directories never share a
// network namespace, bridge or veth. Thread-safe (no shared state).

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace faultline::harness::cluster {

// An IPv4 /24 such as 10.77.0.0/24. Host addresses are given by their last octet.
struct Subnet {
  uint8_t a = 0, b = 0, c = 0;

  std::string cidr() const;                // "10.77.0.0/24"
  std::string host(int last_octet) const;  // "10.77.0.<last_octet>"
  bool operator==(const Subnet&) const = default;
};

// Accepts "A.B.C.0/24" only; anything else (other prefix lengths, host bits set,
// IPv6, junk) is an error naming the input.
base::Result<Subnet> parse_subnet(std::string_view text);

// Nodes are n1..nK with K in [1, kMaxNodes] (node nK has address .(10+K)).
inline constexpr int kMaxNodes = 99;

// 4 lowercase hex characters from a hash (FNV-1a) of the absolute state directory.
// Precondition: `abs_state_dir` is absolute and normalised.
std::string cluster_id(const std::filesystem::path& abs_state_dir);

// Everything named after the cluster id. Interface names stay within 15 characters.
std::string bridge_name(std::string_view id);          // flb<id>
std::string netns_name(std::string_view id, int k);    // fl<id>-n<k>
std::string veth_name(std::string_view id, int k);     // flv<id>n<k> (host side)
std::string node_name(int k);                          // n<k>
std::string node_address(const Subnet& subnet, int k); // .(10+k)
std::string bridge_address(const Subnet& subnet);      // .1

// Parses "n<k>" for 1 <= k <= kMaxNodes; 0 if `name` is not a node name.
int parse_node_name(std::string_view name);

}  // namespace faultline::harness::cluster
