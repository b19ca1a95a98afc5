#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/control/node.h"

namespace faultline::harness::control {
namespace {

using base::Error;

std::string trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

// Parses a decimal TCP port; false for anything else (signs, junk, out of range).
bool parse_port(std::string_view s, int& port) {
  if (s.empty() || s.size() > 5) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 65535) return false;
  port = v;
  return true;
}

NodeSpec from_defaults(const NodesDefaults& d) {
  NodeSpec n;
  n.user = d.user;
  n.key_path = d.key_path;
  n.known_hosts_path = d.known_hosts_path;
  n.port = d.port;
  return n;
}

base::Result<std::vector<NodeSpec>> parse_text(const std::string& file, const std::string& text,
                                               const NodesDefaults& defaults) {
  std::vector<NodeSpec> nodes;
  std::istringstream in(text);
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    const std::string where = file + ":" + std::to_string(line_no) + ": ";
    std::string line = raw;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    line = trim(line);
    if (line.empty()) continue;
    if (line.find_first_of(" \t") != std::string::npos) {
      return Error{where + "expected `host` or `host:port`, got '" + line + "'"};
    }
    NodeSpec n = from_defaults(defaults);
    std::string port_text;
    bool has_port = false;
    if (line.front() == '[') {
      // [v6addr] or [v6addr]:port
      auto close = line.find(']');
      if (close == std::string::npos || close == 1) {
        return Error{where + "bad bracketed address '" + line + "'"};
      }
      n.host = line.substr(1, close - 1);
      std::string rest = line.substr(close + 1);
      if (!rest.empty()) {
        if (rest.front() != ':') return Error{where + "bad bracketed address '" + line + "'"};
        port_text = rest.substr(1);
        has_port = true;
      }
    } else {
      auto colon = line.find(':');
      if (colon != std::string::npos && line.find(':', colon + 1) != std::string::npos) {
        n.host = line;  // a bare IPv6 address: no port possible without brackets
      } else if (colon != std::string::npos) {
        n.host = line.substr(0, colon);
        port_text = line.substr(colon + 1);
        has_port = true;
      } else {
        n.host = line;
      }
    }
    if (n.host.empty()) return Error{where + "empty host in '" + line + "'"};
    if (has_port && !parse_port(port_text, n.port)) {
      return Error{where + "bad port '" + port_text + "' (want 1-65535)"};
    }
    n.name = "n" + std::to_string(nodes.size() + 1);
    nodes.push_back(std::move(n));
  }
  return nodes;
}

// Line number (1-based) of byte offset `pos` in `text`, for JSON syntax errors.
int line_of(const std::string& text, size_t pos) {
  int line = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
  }
  return line;
}

base::Result<std::vector<NodeSpec>> parse_json(const std::string& file, const std::string& text,
                                               const NodesDefaults& defaults) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return Error{file + ":" + std::to_string(line_of(text, e.byte == 0 ? 0 : e.byte - 1)) +
                 ": invalid JSON: " + e.what()};
  }
  if (!doc.is_object() || !doc.contains("nodes") || !doc["nodes"].is_array()) {
    return Error{file + ": expected an object with a \"nodes\" array"};
  }
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() != "nodes") return Error{file + ": unknown top-level field \"" + it.key() + "\""};
  }
  static const std::set<std::string> kFields = {"name", "host", "port", "user",
                                                "key",  "known_hosts", "clock"};
  std::vector<NodeSpec> nodes;
  const auto& arr = doc["nodes"];
  for (size_t i = 0; i < arr.size(); ++i) {
    const auto& obj = arr[i];
    const std::string where = file + ": nodes[" + std::to_string(i) + "]";
    if (!obj.is_object()) return Error{where + ": expected an object"};
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (!kFields.count(it.key())) {
        return Error{where + ": unknown field \"" + it.key() + "\""};
      }
    }
    NodeSpec n = from_defaults(defaults);
    n.name = "n" + std::to_string(i + 1);
    auto get_string = [&](const char* field, std::string& out) -> base::Status {
      if (!obj.contains(field)) return base::ok_status();
      const auto& v = obj[field];
      if (!v.is_string()) return Error{where + ": field \"" + field + "\" must be a string"};
      out = v.get<std::string>();
      return base::ok_status();
    };
    for (auto [field, out] : {std::pair<const char*, std::string*>{"name", &n.name},
                              {"host", &n.host},
                              {"user", &n.user},
                              {"key", &n.key_path},
                              {"known_hosts", &n.known_hosts_path},
                              {"clock", &n.clock}}) {
      auto st = get_string(field, *out);
      if (!st.ok()) return st.error();
    }
    if (!obj.contains("host") || n.host.empty()) {
      return Error{where + ": missing field \"host\""};
    }
    if (n.name.empty()) return Error{where + ": field \"name\" is empty"};
    if (n.user.empty()) return Error{where + ": field \"user\" is empty"};
    if (obj.contains("port")) {
      const auto& p = obj["port"];
      if (!p.is_number_integer() || p.get<int64_t>() < 1 || p.get<int64_t>() > 65535) {
        return Error{where + ": field \"port\" must be an integer in 1-65535, got " + p.dump()};
      }
      n.port = static_cast<int>(p.get<int64_t>());
    }
    nodes.push_back(std::move(n));
  }
  return nodes;
}

}  // namespace

base::Result<std::vector<NodeSpec>> load_nodes_file(const std::filesystem::path& path,
                                                    const NodesDefaults& defaults) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{file + ": cannot open nodes file"};
  std::stringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Error{file + ": read error"};
  const std::string text = buf.str();

  const size_t first = text.find_first_not_of(" \t\r\n");
  auto parsed = (first != std::string::npos && text[first] == '{')
                    ? parse_json(file, text, defaults)
                    : parse_text(file, text, defaults);
  if (!parsed.ok()) return parsed;
  if (parsed->empty()) return Error{file + ": no nodes listed"};
  std::set<std::string> names;
  for (const auto& n : *parsed) {
    if (!names.insert(n.name).second) return Error{file + ": duplicate node name \"" + n.name + "\""};
  }
  return parsed;
}

base::Status write_nodes_file(const std::filesystem::path& path,
                              const std::vector<NodeSpec>& nodes) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& n : nodes) {
    arr.push_back({{"name", n.name},
                   {"host", n.host},
                   {"port", n.port},
                   {"user", n.user},
                   {"key", n.key_path},
                   {"known_hosts", n.known_hosts_path},
                   {"clock", n.clock}});
  }
  const std::string text = nlohmann::json{{"nodes", arr}}.dump(2) + "\n";
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error{tmp.string() + ": cannot create nodes file"};
    out << text;
    out.flush();
    if (!out) return Error{tmp.string() + ": write error"};
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Error{path.string() + ": cannot rename into place: " + ec.message()};
  }
  return base::ok_status();
}

}  // namespace faultline::harness::control
