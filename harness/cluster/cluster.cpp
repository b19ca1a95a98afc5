#include "harness/cluster/cluster.h"
#include "harness/control/quote.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "harness/cluster/config.h"
#include "harness/cluster/process.h"

namespace faultline::harness::cluster {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kStateFile = "cluster.json";
constexpr const char* kHostOptDir = "/opt/faultline";
// Set on kHostOptDir when a cluster creates it (root-only "trusted" namespace).
constexpr const char* kCreatedXattr = "trusted.faultline.created";

// ---- /proc ----------------------------------------------------------------------

struct ProcStat {
  char state = '?';
  int ppid = 0;
  long long start = 0;  // field 22, in clock ticks since boot
};

// Fields 3 (state), 4 (ppid) and 22 (start time) of /proc/<pid>/stat; false if gone.
bool read_stat(int pid, ProcStat* out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  if (!in || !std::getline(in, s)) return false;
  auto paren = s.rfind(')');
  if (paren == std::string::npos) return false;
  std::istringstream rest(s.substr(paren + 1));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 3) out->state = field.empty() ? '?' : field[0];
    if (i == 4) out->ppid = std::stoi(field);
    if (i == 22) {
      out->start = std::stoll(field);
      return true;
    }
  }
  return false;
}

long long start_time(int pid) {
  ProcStat st;
  return read_stat(pid, &st) ? st.start : 0;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string comm(int pid) {
  std::string c = read_file("/proc/" + std::to_string(pid) + "/comm");
  while (!c.empty() && c.back() == '\n') c.pop_back();
  return c;
}

// The first child of `pid` (its /proc children list), 0 if none yet.
int first_child(int pid) {
  std::string p = std::to_string(pid);
  std::istringstream in(read_file("/proc/" + p + "/task/" + p + "/children"));
  int child = 0;
  in >> child;
  return child;
}

// Reaps `pid` if it is our child and has exited; harmless otherwise.
void reap(int pid) {
  if (pid > 0) ::waitpid(pid, nullptr, WNOHANG);
}

// ---- files ----------------------------------------------------------------------

void write_text(const fs::path& p, const std::string& text) {
  fs::path tmp = p;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error(tmp.string() + ": cannot write");
  }
  fs::rename(tmp, p);
}

nlohmann::json to_json(const ClusterState& s) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : s.nodes) {
    nodes.push_back({{"name", n.name},
                     {"ip", n.ip},
                     {"netns", n.netns},
                     {"veth", n.veth},
                     {"launcher_pid", n.launcher_pid},
                     {"launcher_start", n.launcher_start},
                     {"init_pid", n.init_pid},
                     {"init_start", n.init_start}});
  }
  return {{"id", s.id},
          {"subnet", s.subnet},
          {"bridge", s.bridge},
          {"bridge_ip", s.bridge_ip},
          {"created_host_dirs", s.created_host_dirs},
          {"created_parent_dirs", s.created_parent_dirs},
          {"nodes", nodes}};
}

void write_state(const fs::path& dir, const ClusterState& s) {
  write_text(dir / kStateFile, to_json(s).dump(2) + "\n");
}

std::string tail(const fs::path& p, size_t max_chars = 600) {
  std::string t = read_file(p);
  if (t.size() > max_chars) t = "..." + t.substr(t.size() - max_chars);
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t;
}

// ---- network --------------------------------------------------------------------

bool link_exists(const std::string& name) { return fs::exists("/sys/class/net/" + name); }
bool netns_exists(const std::string& name) { return fs::exists("/run/netns/" + name); }

std::vector<std::string> names_with_prefix(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (n.rfind(prefix, 0) == 0) out.push_back(n);
  }
  return out;
}

void ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_checked(argv);
  if (!r.ok()) throw std::runtime_error(r.error().message);
}

void require_root(const char* what) {
  if (::geteuid() != 0) {
    throw std::runtime_error(std::string("faultline cluster ") + what +
                             " must run as root (it creates network namespaces, a bridge "
                             "and sshd processes)");
  }
}

void keygen(const fs::path& key, const std::string& comment) {
  std::error_code ec;
  fs::remove(key, ec);
  fs::path pub = key;
  pub += ".pub";
  fs::remove(pub, ec);
  auto r = run_checked({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f",
                        key.string()});
  if (!r.ok()) throw std::runtime_error(r.error().message);
}

// Makes sure kHostOptDir exists (recording in the state any directory it creates, so
// down removes it) and returns an fd holding a shared flock on it. A concurrent down
// of another cluster takes the lock exclusively before removing the directory, so it
// cannot vanish between here and our network namespaces existing.
int hold_host_opt_dir(ClusterState& st, const fs::path& dir) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    std::vector<fs::path> missing;
    for (fs::path p = kHostOptDir; !fs::exists(p); p = p.parent_path()) missing.push_back(p);
    if (!missing.empty()) {
      for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        st.created_host_dirs.push_back(it->string());
      }
      write_state(dir, st);
      std::error_code ec;
      fs::create_directories(kHostOptDir, ec);
      // Mark it, so that whichever cluster goes down last removes it.
      ::setxattr(kHostOptDir, kCreatedXattr, "1", 1, 0);
    }
    int fd = ::open(kHostOptDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat held {}, now {};
    if (::flock(fd, LOCK_SH) == 0 && ::fstat(fd, &held) == 0 && ::stat(kHostOptDir, &now) == 0 &&
        held.st_ino == now.st_ino && held.st_dev == now.st_dev) {
      return fd;
    }
    ::close(fd);
  }
  throw std::runtime_error(std::string("cannot create and hold ") + kHostOptDir);
}

}  // namespace

// ---- public ---------------------------------------------------------------------

fs::path absolute_state_dir(const fs::path& state_dir) {
  return fs::absolute(state_dir).lexically_normal();
}

bool process_alive(int pid, long long start) {
  if (pid <= 0) return false;
  ProcStat st;
  if (!read_stat(pid, &st)) return false;
  if (st.state == 'Z' || st.state == 'X') return false;
  return start == 0 || st.start == start;
}

bool tcp_connects(const std::string& ip, int port, std::chrono::milliseconds timeout) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) return false;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    ok = true;
  } else if (errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      ok = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
    }
  }
  ::close(fd);
  return ok;
}

base::Result<ClusterState> read_state(const fs::path& state_dir) {
  fs::path file = absolute_state_dir(state_dir) / kStateFile;
  std::ifstream in(file);
  if (!in) return base::Error{file.string() + ": no cluster state (is the cluster up?)"};
  try {
    auto j = nlohmann::json::parse(in);
    ClusterState s;
    s.id = j.at("id").get<std::string>();
    s.subnet = j.at("subnet").get<std::string>();
    s.bridge = j.at("bridge").get<std::string>();
    s.bridge_ip = j.at("bridge_ip").get<std::string>();
    s.created_host_dirs = j.value("created_host_dirs", std::vector<std::string>{});
    s.created_parent_dirs = j.value("created_parent_dirs", std::vector<std::string>{});
    for (const auto& n : j.at("nodes")) {
      NodeRecord r;
      r.name = n.at("name").get<std::string>();
      r.ip = n.at("ip").get<std::string>();
      r.netns = n.at("netns").get<std::string>();
      r.veth = n.at("veth").get<std::string>();
      r.launcher_pid = n.value("launcher_pid", 0);
      r.launcher_start = n.value("launcher_start", 0LL);
      r.init_pid = n.value("init_pid", 0);
      r.init_start = n.value("init_start", 0LL);
      s.nodes.push_back(r);
    }
    return s;
  } catch (const std::exception& e) {
    return base::Error{file.string() + ": " + e.what()};
  }
}

base::Result<std::vector<NodeStatus>> node_status(const fs::path& state_dir) {
  auto st = read_state(state_dir);
  if (!st.ok()) return st.error();
  std::vector<NodeStatus> out;
  for (const auto& n : st->nodes) {
    NodeStatus s;
    s.name = n.name;
    s.ip = n.ip;
    s.netns = netns_exists(n.netns);
    s.process = process_alive(n.init_pid, n.init_start) && comm(n.init_pid) == "sshd";
    s.tcp = tcp_connects(n.ip, 22, 1000ms);
    out.push_back(s);
  }
  return out;
}

base::Result<std::vector<std::string>> ssh_argv(const fs::path& state_dir,
                                                const std::string& node,
                                                const std::vector<std::string>& command) {
  fs::path dir = absolute_state_dir(state_dir);
  auto st = read_state(dir);
  if (!st.ok()) return st.error();
  auto it = std::find_if(st->nodes.begin(), st->nodes.end(),
                         [&](const NodeRecord& n) { return n.name == node; });
  if (it == st->nodes.end()) {
    return base::Error{"no node \"" + node + "\" in " + (dir / kStateFile).string()};
  }
  std::string remote;
  for (const auto& word : command) {
    if (!remote.empty()) remote += ' ';
    remote += control::shell_quote(word);
  }
  std::vector<std::string> argv{"ssh",
                                "-F",
                                "none",
                                "-i",
                                (dir / "id_ed25519").string(),
                                "-o",
                                "UserKnownHostsFile=" + (dir / "known_hosts").string(),
                                "-o",
                                "GlobalKnownHostsFile=/dev/null",
                                "-o",
                                "StrictHostKeyChecking=yes",
                                "-o",
                                "BatchMode=yes",
                                "-o",
                                "ConnectTimeout=5",
                                "-p",
                                "22",
                                "root@" + it->ip};
  if (!remote.empty()) argv.push_back(remote);
  return argv;
}

base::Status down(const fs::path& state_dir, std::ostream& log) {
  try {
    require_root("down");
    const fs::path dir = absolute_state_dir(state_dir);
    const std::string id = cluster_id(dir);
    ClusterState st;
    if (fs::exists(dir / kStateFile)) {
      auto r = read_state(dir);
      if (r.ok()) {
        st = *r;
      } else {
        log << "warning: " << r.error().message << "; removing what the names say exists\n";
      }
    }
    // Everything named after this cluster's id is ours, recorded or not.
    std::set<std::string> netns, links;
    for (const auto& n : st.nodes) {
      netns.insert(n.netns);
      links.insert(n.veth);
    }
    for (auto& n : names_with_prefix("/run/netns", "fl" + id + "-n")) netns.insert(n);
    for (auto& n : names_with_prefix("/sys/class/net", "flv" + id + "n")) links.insert(n);
    std::string bridge = st.bridge.empty() ? bridge_name(id) : st.bridge;

    // 1. Processes. Inner ones first: each node's PID-namespace init (SIGKILL ends
    //    the whole namespace) and anything else inside our network namespaces whose
    //    parent is in there too. Their launchers (`unshare --fork`, whose parent is
    //    outside) then reap them and exit on their own; only stragglers get SIGKILL.
    std::vector<std::pair<int, long long>> killed, outer;
    auto kill_pid = [&](int pid, long long start) {
      if (!process_alive(pid, start)) return;
      if (::kill(pid, SIGKILL) == 0) killed.emplace_back(pid, start);
    };
    for (const auto& n : st.nodes) {
      kill_pid(n.init_pid, n.init_start);
      outer.emplace_back(n.launcher_pid, n.launcher_start);
    }
    for (const auto& ns : netns) {
      if (!netns_exists(ns)) continue;
      auto out = run_capture({"ip", "netns", "pids", ns});
      if (!out.ok() || out->exit_code != 0) continue;
      std::map<int, ProcStat> procs;
      std::istringstream in(out->text);
      int pid = 0;
      while (in >> pid) {
        ProcStat ps;
        if (read_stat(pid, &ps)) procs[pid] = ps;
      }
      for (const auto& [p, ps] : procs) {
        if (procs.count(ps.ppid)) {
          kill_pid(p, ps.start);
        } else {
          outer.emplace_back(p, ps.start);
        }
      }
    }
    auto deadline = Clock::now() + 3s;
    bool outer_killed = false;
    while (true) {
      bool any = false;
      for (const auto& list : {outer, killed}) {
        for (const auto& [pid, start] : list) {
          reap(pid);
          any = any || process_alive(pid, start);
        }
      }
      if (!any) break;
      if (!outer_killed && Clock::now() > deadline - 2s) {
        for (const auto& [pid, start] : std::vector(outer)) kill_pid(pid, start);
        outer_killed = true;
      }
      if (Clock::now() > deadline) {
        throw std::runtime_error("cluster processes did not exit within 3 s of SIGKILL");
      }
      std::this_thread::sleep_for(2ms);
    }
    // Give our own children a last chance to be reaped (the launchers are ours when
    // up and down run in one process).
    for (const auto& [pid, start] : outer) reap(pid);

    // 2. Network: namespaces (their eth0 ends go with them), veths, the bridge.
    int removed_netns = 0;
    const bool had_bridge = link_exists(bridge);
    for (const auto& ns : netns) {
      if (netns_exists(ns)) {
        ip({"netns", "del", ns});
        ++removed_netns;
      }
    }
    for (const auto& l : links) {
      if (link_exists(l)) {
        auto r = run_capture({"ip", "link", "del", l});  // may vanish meanwhile
        (void)r;
      }
    }
    if (link_exists(bridge)) ip({"link", "del", bridge});
    deadline = Clock::now() + 2s;
    auto any_link = [&] {
      if (link_exists(bridge)) return true;
      for (const auto& l : links) {
        if (link_exists(l)) return true;
      }
      return false;
    };
    while (any_link()) {
      if (Clock::now() > deadline) throw std::runtime_error("links still present after 2 s");
      std::this_thread::sleep_for(5ms);
    }

    // 3. Host mounts under the state dir (none are made, but undo any found).
    {
      std::ifstream mi("/proc/self/mountinfo");
      std::string line;
      std::vector<std::string> mounts;
      while (std::getline(mi, line)) {
        std::istringstream f(line);
        std::string a, b, c, d, point;
        f >> a >> b >> c >> d >> point;
        if (point.rfind(dir.string() + "/", 0) == 0 || point == dir.string()) {
          mounts.push_back(point);
        }
      }
      std::reverse(mounts.begin(), mounts.end());
      for (const auto& m : mounts) ::umount2(m.c_str(), MNT_DETACH);
    }

    // 4. Files: everything up wrote, then the state file, then the directory if empty.
    std::error_code ec;
    if (fs::exists(dir)) {
      for (const char* f : {"nodes.json", "known_hosts", "authorized_keys", "id_ed25519",
                            "id_ed25519.pub", "cluster.json.tmp"}) {
        fs::remove(dir / f, ec);
      }
      for (const auto& n : names_with_prefix(dir, "n")) {
        if (parse_node_name(n) > 0) fs::remove_all(dir / n, ec);
      }
    }
    // /opt/faultline is every local cluster's mount point: remove it (if this or any
    // other cluster made it: the xattr says so) only under an exclusive lock and while
    // no other cluster (a namespace named fl<4 hex>-n<k>) exists.
    char mark[4] = {};
    bool marked = ::getxattr(kHostOptDir, kCreatedXattr, mark, sizeof mark) > 0;
    if (marked || !st.created_host_dirs.empty()) {
      if (marked && std::find(st.created_host_dirs.begin(), st.created_host_dirs.end(),
                              kHostOptDir) == st.created_host_dirs.end()) {
        st.created_host_dirs.push_back(kHostOptDir);
      }
      int fd = ::open(kHostOptDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      bool locked = fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) == 0;
      bool other_cluster = false;
      for (const auto& n : names_with_prefix("/run/netns", "fl")) {
        other_cluster = other_cluster || (n.size() > 8 && n.substr(6, 2) == "-n" &&
                                          n.rfind("fl" + id + "-n", 0) != 0);
      }
      if (locked && !other_cluster) {
        for (auto it = st.created_host_dirs.rbegin(); it != st.created_host_dirs.rend(); ++it) {
          fs::remove(*it, ec);  // only if empty
        }
      }
      if (fd >= 0) ::close(fd);
    }
    fs::remove(dir / kStateFile, ec);
    fs::remove(dir, ec);  // only if empty
    for (auto it = st.created_parent_dirs.rbegin(); it != st.created_parent_dirs.rend(); ++it) {
      fs::remove(*it, ec);  // only if empty
    }
    if (removed_netns == 0 && !had_bridge && killed.empty()) {
      log << "cluster down: nothing was running (" << dir.string() << ")\n";
    } else {
      log << "cluster down: removed " << removed_netns << " namespaces, bridge " << bridge
          << " and " << killed.size() << " processes (" << dir.string() << ")\n";
    }
    return base::ok_status();
  } catch (const std::exception& e) {
    return base::Error{std::string("cluster down: ") + e.what()};
  }
}

base::Status up(const UpOptions& options, std::ostream& log) {
  fs::path dir;
  try {
    require_root("up");
    if (options.nodes < 1 || options.nodes > kMaxNodes) {
      return base::Error{"--nodes: expected 1.." + std::to_string(kMaxNodes) + ", got " +
                         std::to_string(options.nodes)};
    }
    auto subnet = parse_subnet(options.subnet);
    if (!subnet.ok()) return subnet.error();
    dir = absolute_state_dir(options.state_dir);
    if (auto why = unsafe_path_reason(dir); !why.empty()) {
      return base::Error{"--state-dir " + dir.string() + ": " + why};
    }
    for (const char* bad : {"/run", "/proc", "/sys", "/dev"}) {
      auto s = dir.string();
      if (s == bad || s.rfind(std::string(bad) + "/", 0) == 0) {
        return base::Error{"--state-dir " + s + ": must not lie under " + bad};
      }
    }
    const std::string id = cluster_id(dir);

    if (fs::exists(dir / kStateFile)) {
      auto old = read_state(dir);
      if (old.ok() && old->nodes.size() == static_cast<size_t>(options.nodes) &&
          old->subnet == subnet->cidr()) {
        auto health = node_status(dir);
        if (health.ok() && std::all_of(health->begin(), health->end(),
                                       [](const NodeStatus& s) { return s.healthy(); })) {
          log << "cluster already up: " << options.nodes << " nodes on " << old->bridge << " ("
              << old->subnet << "), state in " << dir.string() << "\n";
          return base::ok_status();
        }
      }
      log << "removing the existing (partial or different) cluster first\n";
      if (auto s = down(dir, log); !s.ok()) return s;
    }

    // Record the plan before creating anything, so `down` finds it after a crash.
    ClusterState st;
    for (fs::path p = dir.parent_path(); !fs::exists(p); p = p.parent_path()) {
      st.created_parent_dirs.insert(st.created_parent_dirs.begin(), p.string());
    }
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    st.id = id;
    st.subnet = subnet->cidr();
    st.bridge = bridge_name(id);
    st.bridge_ip = bridge_address(*subnet);
    for (int k = 1; k <= options.nodes; ++k) {
      NodeRecord n;
      n.name = node_name(k);
      n.ip = node_address(*subnet, k);
      n.netns = netns_name(id, k);
      n.veth = veth_name(id, k);
      st.nodes.push_back(n);
    }
    write_state(dir, st);

    try {
      // Keys: the controller's pair and one host key per node.
      keygen(dir / "id_ed25519", "faultline-controller");
      write_text(dir / "authorized_keys", read_file(dir / "id_ed25519.pub"));
      std::string known_hosts;
      for (const auto& n : st.nodes) {
        fs::create_directories(dir / n.name / "opt");
        keygen(dir / n.name / "ssh_host_ed25519_key", n.name);
        known_hosts += known_hosts_line(n.ip, read_file(dir / n.name / "ssh_host_ed25519_key.pub"));
        known_hosts += "\n";
      }
      write_text(dir / "known_hosts", known_hosts);

      // The mount point for each node's private /opt/faultline, held until our
      // namespaces exist (see hold_host_opt_dir).
      int opt_lock = hold_host_opt_dir(st, dir);
      struct CloseFd {
        int fd;
        ~CloseFd() { ::close(fd); }
      } close_opt_lock{opt_lock};

      // The bridge, then each node.
      if (link_exists(st.bridge)) {
        throw std::runtime_error("a link named " + st.bridge +
                                 " already exists but is not in this cluster's state");
      }
      ip({"link", "add", st.bridge, "type", "bridge"});
      ip({"addr", "add", st.bridge_ip + "/24", "dev", st.bridge});
      ip({"link", "set", st.bridge, "up"});
      for (auto& n : st.nodes) {
        ip({"netns", "add", n.netns});
        ip({"link", "add", n.veth, "type", "veth", "peer", "name", "eth0", "netns", n.netns});
        ip({"link", "set", n.veth, "master", st.bridge, "up"});
        ip({"-n", n.netns, "link", "set", "lo", "up"});
        ip({"-n", n.netns, "addr", "add", n.ip + "/24", "dev", "eth0"});
        ip({"-n", n.netns, "link", "set", "eth0", "up"});

        fs::path nd = dir / n.name;
        SshdConfig cfg{n.ip, nd / "ssh_host_ed25519_key", dir / "authorized_keys",
                       nd / "sshd.pid"};
        write_text(nd / "sshd_config", render_sshd_config(cfg));
        NodeSetup setup{n.name, dir, nd / "opt", nd / "sshd_config", nd / "sshd.log"};
        auto sshd = find_program("sshd");
        if (!sshd.ok()) throw std::runtime_error(sshd.error().message);
        setup.sshd_binary = *sshd;
        auto pid = spawn_detached({"ip", "netns", "exec", n.netns, "unshare", "--uts", "--mount",
                                   "--pid", "--fork", "--kill-child", "--mount-proc",
                                   "--propagation", "private", "sh", "-c",
                                   render_node_setup(setup)},
                                  nd / "init.log");
        if (!pid.ok()) throw std::runtime_error(pid.error().message);
        n.launcher_pid = *pid;
        n.launcher_start = start_time(*pid);
        write_state(dir, st);
      }
      // Each launcher forks the PID namespace's init; record its host pid.
      auto deadline = Clock::now() + 3s;
      for (auto& n : st.nodes) {
        while ((n.init_pid = first_child(n.launcher_pid)) == 0) {
          reap(n.launcher_pid);
          if (!process_alive(n.launcher_pid, n.launcher_start) || Clock::now() > deadline) {
            throw std::runtime_error("node " + n.name + ": its namespaces did not start: " +
                                     tail(dir / n.name / "init.log"));
          }
          std::this_thread::sleep_for(1ms);
        }
        n.init_start = start_time(n.init_pid);
        write_state(dir, st);
        write_text(dir / n.name / "init.pid", std::to_string(n.init_pid) + "\n");
      }

      std::vector<std::pair<std::string, std::string>> entries;
      for (const auto& n : st.nodes) entries.emplace_back(n.name, n.ip);
      auto written = control::write_nodes_file(
          dir / "nodes.json", local_node_specs(entries, dir / "id_ed25519", dir / "known_hosts"));
      if (!written.ok()) throw std::runtime_error(written.error().message);

      // Ready when every sshd accepts TCP connections.
      deadline = Clock::now() + options.ready_timeout;
      for (const auto& n : st.nodes) {
        while (!tcp_connects(n.ip, 22, 100ms)) {
          reap(n.launcher_pid);
          bool dead = !process_alive(n.init_pid, n.init_start);
          if (dead || Clock::now() > deadline) {
            throw std::runtime_error(
                "node " + n.name + " (" + n.ip + "): sshd " +
                (dead ? "exited" : "did not accept connections within " +
                                       std::to_string(options.ready_timeout.count()) + " ms") +
                "; init.log: " + tail(dir / n.name / "init.log") +
                "; sshd.log: " + tail(dir / n.name / "sshd.log"));
          }
          std::this_thread::sleep_for(5ms);
        }
      }
      log << "cluster up: " << options.nodes << " nodes on " << st.bridge << " (" << st.subnet
          << "), state in " << dir.string() << "\n";
      return base::ok_status();
    } catch (const std::exception& e) {
      log << "cluster up failed, cleaning up: " << e.what() << "\n";
      auto s = down(dir, log);
      std::string msg = std::string("cluster up: ") + e.what();
      if (!s.ok()) msg += "; cleanup also failed: " + s.error().message;
      return base::Error{msg};
    }
  } catch (const std::exception& e) {
    return base::Error{std::string("cluster up: ") + e.what()};
  }
}

}  // namespace faultline::harness::cluster
