#include "harness/cluster/names.h"

#include <charconv>
#include <cstdio>
#include <vector>

namespace faultline::harness::cluster {
namespace {

// Parses a decimal octet with no sign, no leading zeros (except "0") and value <= 255.
bool parse_octet(std::string_view s, int* out) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return false;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > 255) return false;
  *out = v;
  return true;
}

}  // namespace

std::string Subnet::cidr() const { return host(0) + "/24"; }

std::string Subnet::host(int last_octet) const {
  return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + "." +
         std::to_string(last_octet);
}

base::Result<Subnet> parse_subnet(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return base::Error{"--subnet: expected an IPv4 /24 such as 10.77.0.0/24, got \"" +
                       std::string(text) + "\" (" + why + ")"};
  };
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return bad("no prefix length");
  if (text.substr(slash + 1) != "24") return bad("only /24 is supported");
  std::string_view addr = text.substr(0, slash);
  std::vector<int> octets;
  while (true) {
    auto dot = addr.find('.');
    int v = 0;
    if (!parse_octet(addr.substr(0, dot), &v)) return bad("bad address");
    octets.push_back(v);
    if (dot == std::string_view::npos) break;
    addr.remove_prefix(dot + 1);
  }
  if (octets.size() != 4) return bad("bad address");
  if (octets[3] != 0) return bad("host bits set; use .0");
  return Subnet{static_cast<uint8_t>(octets[0]), static_cast<uint8_t>(octets[1]),
                static_cast<uint8_t>(octets[2])};
}

std::string cluster_id(const std::filesystem::path& abs_state_dir) {
  uint32_t h = 2166136261u;
  for (unsigned char ch : abs_state_dir.string()) {
    h ^= ch;
    h *= 16777619u;
  }
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04x", static_cast<unsigned>((h ^ (h >> 16)) & 0xffffu));
  return buf;
}

std::string bridge_name(std::string_view id) { return "flb" + std::string(id); }
std::string netns_name(std::string_view id, int k) {
  return "fl" + std::string(id) + "-n" + std::to_string(k);
}
std::string veth_name(std::string_view id, int k) {
  return "flv" + std::string(id) + "n" + std::to_string(k);
}
std::string node_name(int k) { return "n" + std::to_string(k); }
std::string node_address(const Subnet& subnet, int k) { return subnet.host(10 + k); }
std::string bridge_address(const Subnet& subnet) { return subnet.host(1); }

int parse_node_name(std::string_view name) {
  if (name.size() < 2 || name[0] != 'n' || name[1] == '0') return 0;
  int k = 0;
  auto [p, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), k);
  if (ec != std::errc() || p != name.data() + name.size() || k < 1 || k > kMaxNodes) return 0;
  return k;
}

}  // namespace faultline::harness::cluster
