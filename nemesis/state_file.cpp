#include "nemesis/state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace faultline::nemesis {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string errno_text() { return std::strerror(errno); }

// Writes all of `data` to `fd`, retrying short writes and EINTR.
bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

json to_json(const NemesisState& s) {
  json j = {{"version", kStateFileVersion}};
  j["net_rules"] = json::object();
  for (const auto& [node, rules] : s.net_rules) j["net_rules"][node] = rules;
  j["paused"] = json::object();
  for (const auto& [node, pids] : s.paused) j["paused"][node] = pids;
  j["killed"] = s.killed;
  j["clock_offsets_ms"] = json::object();
  for (const auto& [node, ms] : s.clock_offsets_ms) j["clock_offsets_ms"][node] = ms;
  if (!s.clock_frozen.empty()) j["clock_frozen"] = s.clock_frozen;
  if (s.process) {
    j["process"] = {{"pidfile", s.process->pidfile},
                    {"start_command", s.process->start_command},
                    {"expect", s.process->expect}};
  }
  return j;
}

// Throws json::exception (caught by read_state) on a wrong type; `why` gets the key.
NemesisState from_json(const json& j, std::string* bad_key) {
  NemesisState s;
  if (!j.is_object()) {
    *bad_key = "(top level is not an object)";
    throw std::runtime_error("not an object");
  }
  for (const auto& [key, value] : j.items()) {
    *bad_key = key;
    if (key == "version") {
      if (!value.is_number_integer() || value.get<int>() != kStateFileVersion) {
        throw std::runtime_error("unsupported version " + value.dump());
      }
    } else if (key == "net_rules") {
      for (const auto& [node, rules] : value.items()) {
        *bad_key = "net_rules." + node;
        auto v = rules.get<std::vector<std::string>>();
        if (!v.empty()) s.net_rules[node] = std::move(v);
      }
    } else if (key == "paused") {
      for (const auto& [node, pids] : value.items()) {
        *bad_key = "paused." + node;
        auto v = pids.get<std::set<int>>();
        if (!v.empty()) s.paused[node] = std::move(v);
      }
    } else if (key == "killed") {
      s.killed = value.get<std::set<NodeName>>();
    } else if (key == "clock_offsets_ms") {
      for (const auto& [node, ms] : value.items()) {
        *bad_key = "clock_offsets_ms." + node;
        if (!ms.is_number_integer()) throw std::runtime_error("not an integer");
        s.clock_offsets_ms[node] = ms.get<int64_t>();
      }
    } else if (key == "clock_frozen") {
      s.clock_frozen = value.get<std::set<NodeName>>();
    } else if (key == "process") {
      ProcessRecord r;
      for (const auto& [field, v] : value.items()) {
        *bad_key = "process." + field;
        if (field == "pidfile") {
          r.pidfile = v.get<std::string>();
        } else if (field == "start_command") {
          r.start_command = v.get<std::string>();
        } else if (field == "expect") {
          r.expect = v.get<std::string>();
        } else {
          throw std::runtime_error("unknown key");
        }
      }
      s.process = std::move(r);
    } else {
      throw std::runtime_error("unknown key");
    }
  }
  if (!j.contains("version")) {
    *bad_key = "version";
    throw std::runtime_error("missing");
  }
  return s;
}

}  // namespace

bool NemesisState::empty() const {
  return net_rules.empty() && paused.empty() && killed.empty() && clock_offsets_ms.empty() &&
         clock_frozen.empty();
}

fs::path state_path(const fs::path& state_dir) { return state_dir / kStateFileName; }

base::Result<NemesisState> read_state(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec) && !ec) return NemesisState{};
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::Error{path.string() + ": cannot read nemesis state: " + errno_text()};
  std::ostringstream text;
  text << in.rdbuf();
  json j;
  try {
    j = json::parse(text.str());
  } catch (const json::exception& e) {
    return base::Error{path.string() + ": malformed nemesis state: " + e.what()};
  }
  std::string key;
  try {
    return from_json(j, &key);
  } catch (const std::exception& e) {
    return base::Error{path.string() + ": bad nemesis state at \"" + key + "\": " + e.what()};
  }
}

base::Status write_state(const fs::path& path, const NemesisState& state) {
  const std::string data = to_json(state).dump(2) + "\n";
  const fs::path tmp = fs::path(path.string() + ".tmp");
  const std::string where = path.string() + ": writing nemesis state: ";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return base::Error{where + tmp.string() + ": " + errno_text()};
  if (!write_all(fd, data) || ::fsync(fd) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    return base::Error{where + tmp.string() + ": " + why};
  }
  if (::close(fd) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    return base::Error{where + tmp.string() + ": " + why};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    return base::Error{where + "rename: " + why};
  }
  // The rename is durable only once the directory entry is on disk.
  fs::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return base::Error{where + "open directory " + dir.string() + ": " + errno_text()};
  const bool synced = ::fsync(dfd) == 0;
  const std::string why = synced ? "" : errno_text();
  ::close(dfd);
  if (!synced) return base::Error{where + "fsync directory " + dir.string() + ": " + why};
  return base::ok_status();
}

base::Status update_state(const fs::path& path, const std::function<void(NemesisState&)>& change) {
  auto s = read_state(path);
  if (!s.ok()) return s.error();
  change(*s);
  return write_state(path, *s);
}

void add_net_rule(NemesisState& s, const NodeName& node, const std::string& rule) {
  s.net_rules[node].push_back(rule);
}
void clear_net_rules(NemesisState& s, const NodeName& node) { s.net_rules.erase(node); }

void add_paused(NemesisState& s, const NodeName& node, int pid) { s.paused[node].insert(pid); }
void remove_paused(NemesisState& s, const NodeName& node, int pid) {
  auto it = s.paused.find(node);
  if (it == s.paused.end()) return;
  it->second.erase(pid);
  if (it->second.empty()) s.paused.erase(it);
}
void clear_paused(NemesisState& s, const NodeName& node) { s.paused.erase(node); }

void add_killed(NemesisState& s, const NodeName& node) { s.killed.insert(node); }
void remove_killed(NemesisState& s, const NodeName& node) { s.killed.erase(node); }

void set_clock_offset(NemesisState& s, const NodeName& node, int64_t offset_ms) {
  if (offset_ms == 0) {
    s.clock_offsets_ms.erase(node);
  } else {
    s.clock_offsets_ms[node] = offset_ms;
  }
}
void clear_clock_offset(NemesisState& s, const NodeName& node) {
  s.clock_offsets_ms.erase(node);
  s.clock_frozen.erase(node);
}
void add_clock_frozen(NemesisState& s, const NodeName& node) { s.clock_frozen.insert(node); }

std::set<NodeName> clocks_to_reset(const NemesisState& s) {
  std::set<NodeName> out = s.clock_frozen;
  for (const auto& [node, ms] : s.clock_offsets_ms) out.insert(node);
  return out;
}

}  // namespace faultline::nemesis
