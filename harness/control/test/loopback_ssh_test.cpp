// End-to-end tests of control::Pool against a real OpenSSH sshd on 127.0.0.1, started
// by the fixture from a temporary directory with its own host and client keys and
// stopped by pid. Skipped unless running as root with /usr/sbin/sshd installed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/random.h"
#include "harness/control/quote.h"
#include "harness/control/ssh.h"

namespace faultline::harness::control {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int64_t ms_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool run(const std::string& cmd) { return std::system(cmd.c_str()) == 0; }

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

bool can_connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// Every process below `root` (from /proc), so the per-connection sshd processes, which
// sit in sessions of their own, go down with the listener.
std::vector<pid_t> descendants(pid_t root) {
  std::vector<std::pair<pid_t, pid_t>> parent_of;  // (pid, ppid)
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = read_file(e.path() / "stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state;
    pid_t ppid;
    if (rest >> state >> ppid) parent_of.emplace_back(std::stoi(name), ppid);
  }
  std::vector<pid_t> out;
  std::set<pid_t> frontier = {root};
  while (!frontier.empty()) {
    std::set<pid_t> next;
    for (auto [pid, ppid] : parent_of) {
      if (frontier.count(ppid)) {
        out.push_back(pid);
        next.insert(pid);
      }
    }
    frontier = std::move(next);
  }
  return out;
}

class LoopbackSsh : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (sshd)";
    if (!fs::exists("/usr/sbin/sshd") || !fs::exists("/usr/bin/ssh-keygen")) {
      GTEST_SKIP() << "needs /usr/sbin/sshd and ssh-keygen";
    }
    char tmpl[] = "/tmp/faultline-ssh-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs::create_directories("/run/sshd");  // sshd's privilege-separation directory
    ASSERT_TRUE(keygen(dir_ / "host_key"));
    ASSERT_TRUE(keygen(dir_ / "client_key"));
    fs::copy_file(dir_ / "client_key.pub", dir_ / "authorized_keys");
    port_ = free_port();
    ASSERT_GT(port_, 0);
    std::ofstream(dir_ / "sshd_config")
        << "ListenAddress 127.0.0.1\n"
        << "Port " << port_ << "\n"
        << "HostKey " << (dir_ / "host_key").string() << "\n"
        << "AuthorizedKeysFile " << (dir_ / "authorized_keys").string() << "\n"
        << "PidFile " << (dir_ / "sshd.pid").string() << "\n"
        << "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
        << "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUseDNS no\n"
        << "MaxStartups 100\nMaxSessions 100\n"
        << "Subsystem sftp internal-sftp\n";
    ASSERT_TRUE(start_sshd());
    trust_host_key(dir_ / "known_hosts");
  }

  void TearDown() override {
    stop_sshd();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  static bool keygen(const fs::path& p) {
    return run("ssh-keygen -q -t ed25519 -N '' -C faultline-test -f " + shell_quote(p.string()));
  }

  // Writes the current host key into `known_hosts` as OpenSSH would.
  void trust_host_key(const fs::path& known_hosts) {
    std::istringstream pub(read_file(dir_ / "host_key.pub"));
    std::string type, key;
    pub >> type >> key;
    std::ofstream(known_hosts) << "[127.0.0.1]:" << port_ << " " << type << " " << key << "\n";
  }

  bool start_sshd() {
    const std::string cfg = (dir_ / "sshd_config").string();
    const std::string log = (dir_ / "sshd.log").string();
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // no stray sshd if this test process dies
      execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-f", cfg.c_str(), "-E", log.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    if (pid < 0) return false;
    sshd_pid_ = pid;
    const auto t0 = Clock::now();
    while (ms_since(t0) < 5000) {
      if (can_connect(port_)) return true;
      int status;
      if (::waitpid(sshd_pid_, &status, WNOHANG) == sshd_pid_) {
        sshd_pid_ = -1;
        ADD_FAILURE() << "sshd exited: " << read_file(log);
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // waiting for listen
    }
    ADD_FAILURE() << "sshd did not listen within 5 s: " << read_file(log);
    return false;
  }

  void stop_sshd() {
    if (sshd_pid_ <= 0) return;
    for (pid_t child : descendants(sshd_pid_)) ::kill(child, SIGKILL);
    ::kill(sshd_pid_, SIGTERM);
    int status;
    ::waitpid(sshd_pid_, &status, 0);
    sshd_pid_ = -1;
  }

  NodeSpec node(const std::string& name, const fs::path& known_hosts) const {
    NodeSpec n;
    n.name = name;
    n.host = "127.0.0.1";
    n.port = port_;
    n.user = "root";
    n.key_path = (dir_ / "client_key").string();
    n.known_hosts_path = known_hosts.string();
    return n;
  }
  NodeSpec node(const std::string& name = "n1") const { return node(name, dir_ / "known_hosts"); }

  static SshOptions options(bool accept_new = false) {
    SshOptions o;
    o.accept_new_host_keys = accept_new;
    o.connect_timeout_ms = 2000;
    return o;
  }

  fs::path dir_;
  int port_ = 0;
  pid_t sshd_pid_ = -1;
};

TEST_F(LoopbackSsh, ExecReturnsOutputAndExitStatus) {
  Pool pool({node()}, options());
  auto r = pool.exec("n1", "echo hello; hostname", 5000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  EXPECT_EQ(r->out, std::string("hello\n") + host + "\n");
  EXPECT_EQ(r->err, "");
  EXPECT_EQ(r->exit_status, 0);
}

TEST_F(LoopbackSsh, NonZeroExitStatusIsNotAnError) {
  Pool pool({node()}, options());
  auto r = pool.exec("n1", "echo partial; exit 3", 5000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_status, 3);
  EXPECT_EQ(r->out, "partial\n");
}

TEST_F(LoopbackSsh, StderrIsCollectedSeparately) {
  Pool pool({node()}, options());
  auto r = pool.exec("n1", "echo out; echo err >&2; echo out2", 5000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->out, "out\nout2\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST_F(LoopbackSsh, CommandReadingStdinSeesEndOfInputInsteadOfHanging) {
  Pool pool({node()}, options());
  auto r = pool.exec("n1", "cat; echo done", 5000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->out, "done\n");
}

TEST_F(LoopbackSsh, LargeOutputOnBothStreamsIsCollectedWhole) {
  Pool pool({node()}, options());
  auto r = pool.exec("n1", "head -c 3000000 /dev/zero; head -c 1000000 /dev/zero >&2", 10000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->out.size(), 3000000u);
  EXPECT_EQ(r->err.size(), 1000000u);
}

TEST_F(LoopbackSsh, ManyCommandsReuseOneSession) {
  Pool pool({node()}, options());
  for (int i = 0; i < 5; ++i) {
    auto r = pool.exec_argv("n1", {"echo", std::to_string(i)}, 5000);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->out, std::to_string(i) + "\n");
  }
}

TEST_F(LoopbackSsh, TimeoutFailsFastNamingTheNodeAndThePoolStillWorks) {
  Pool pool({node()}, options());
  const auto t0 = Clock::now();
  auto r = pool.exec("n1", "sleep 5", 300);
  const int64_t took = ms_since(t0);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(took, 2000);
  EXPECT_EQ(r.error().message, "node n1: timed out after 300 ms running: sleep 5");
  auto again = pool.exec("n1", "echo still here", 5000);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->out, "still here\n");
}

TEST_F(LoopbackSsh, HostileArgvRoundTripsByteForByte) {
  const std::vector<std::string> hostile = {
      "two words", "it's", "say \"hi\"", "$(touch /tmp/pwned)", "`id`", "a;b", "x && y",
      "line1\nline2", "*", "~", "back\\slash\\", "", "-n", "$HOME", "'", "A=b", "\t"};
  std::vector<std::string> argv = {"printf", "%s\\0"};
  argv.insert(argv.end(), hostile.begin(), hostile.end());
  Pool pool({node()}, options());
  auto r = pool.exec_argv("n1", argv, 5000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->exit_status, 0) << r->err;
  std::vector<std::string> got;
  std::string cur;
  for (char c : r->out) {
    if (c == '\0') {
      got.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  EXPECT_EQ(got, hostile);
}

TEST_F(LoopbackSsh, UploadAndDownloadRoundTripBytesAndMode) {
  base::Random random(42);
  std::string data(10 * 1024 * 1024, '\0');
  for (size_t i = 0; i < data.size(); i += 8) {
    uint64_t w = random.next_u64();
    for (size_t j = 0; j < 8 && i + j < data.size(); ++j) data[i + j] = static_cast<char>(w >> (8 * j));
  }
  const fs::path local = dir_ / "payload.bin";
  std::ofstream(local, std::ios::binary) << data;
  const std::string remote = (dir_ / "remote.bin").string();
  Pool pool({node()}, options());

  auto up = pool.upload("n1", local, remote, 0640);
  ASSERT_TRUE(up.ok()) << up.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(remote.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_TRUE(read_file(remote) == data);
  EXPECT_FALSE(fs::exists(remote + ".faultline-tmp"));

  // Uploading over an existing file replaces it.
  auto again = pool.upload("n1", local, remote, 0755);
  ASSERT_TRUE(again.ok()) << again.error().message;
  ASSERT_EQ(::stat(remote.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::chmod(remote.c_str(), 0640), 0);

  const fs::path back = dir_ / "back.bin";
  auto down = pool.download("n1", remote, back);
  ASSERT_TRUE(down.ok()) << down.error().message;
  EXPECT_TRUE(read_file(back) == data);
  ASSERT_EQ(::stat(back.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);

  auto missing = pool.download("n1", (dir_ / "no-such-file").string(), dir_ / "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("node n1"), std::string::npos);
}

TEST_F(LoopbackSsh, HostKeysAreRefusedUnknownLearnedOnRequestAndRefusedWhenChanged) {
  const fs::path kh = dir_ / "fresh_known_hosts";  // does not exist yet
  {
    Pool pool({node("n2", kh)}, options(false));
    auto r = pool.exec("n2", "true", 5000);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("node n2"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("unknown"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("--accept-new-host-keys"), std::string::npos);
  }
  {
    Pool pool({node("n2", kh)}, options(true));
    auto r = pool.exec("n2", "true", 5000);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  EXPECT_NE(read_file(kh).find("127.0.0.1"), std::string::npos) << read_file(kh);
  {
    Pool pool({node("n2", kh)}, options(false));
    auto r = pool.exec("n2", "true", 5000);
    ASSERT_TRUE(r.ok()) << "learned key not used: " << r.error().message;
  }

  stop_sshd();
  fs::remove(dir_ / "host_key");
  fs::remove(dir_ / "host_key.pub");
  ASSERT_TRUE(keygen(dir_ / "host_key"));
  ASSERT_TRUE(start_sshd());
  for (bool accept_new : {false, true}) {
    Pool pool({node("n2", kh)}, options(accept_new));
    auto r = pool.exec("n2", "touch " + shell_quote((dir_ / "mitm").string()), 5000);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("node n2: host key for 127.0.0.1:" + std::to_string(port_) +
                                     " CHANGED"),
              std::string::npos)
        << r.error().message;
  }
  EXPECT_FALSE(fs::exists(dir_ / "mitm"));
}

TEST_F(LoopbackSsh, StoppedSshdFailsWithinTimeoutAndTheSamePoolReconnectsAfterRestart) {
  Pool pool({node()}, options());
  auto r = pool.exec("n1", "echo up", 5000);
  ASSERT_TRUE(r.ok()) << r.error().message;

  stop_sshd();
  const auto t0 = Clock::now();
  auto down = pool.exec("n1", "echo up", 3000);
  const int64_t took = ms_since(t0);
  ASSERT_FALSE(down.ok());
  EXPECT_LT(took, 3500);
  EXPECT_NE(down.error().message.find("node n1"), std::string::npos) << down.error().message;
  EXPECT_NE(down.error().message.find("127.0.0.1:" + std::to_string(port_)), std::string::npos)
      << down.error().message;

  ASSERT_TRUE(start_sshd());
  auto back = pool.exec("n1", "echo back", 5000);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->out, "back\n");
}

TEST_F(LoopbackSsh, ServerThatNeverSpeaksFailsWithinTimeoutNamingTheNode) {
  // A listening socket nobody accepts on: TCP connects, the SSH banner never comes
  // (what a SIGSTOPped node looks like).
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  NodeSpec mute = node("n4");
  mute.port = ntohs(a.sin_port);
  Pool pool({mute}, options());
  const auto t0 = Clock::now();
  auto r = pool.exec("n4", "true", 800);
  const int64_t took = ms_since(t0);
  ::close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(took, 1500);
  EXPECT_NE(r.error().message.find("node n4: timed out after 800 ms"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("127.0.0.1:" + std::to_string(mute.port)), std::string::npos)
      << r.error().message;
}

TEST_F(LoopbackSsh, OnNodesRunsEveryNodeAndKeepsTheOrder) {
  Pool pool({node("n1"), node("n2"), node("n3")}, options());
  std::vector<std::string> names = {"n3", "n1", "nope", "n2"};
  auto results = pool.on_nodes(names, [&](const std::string& n) -> base::Status {
    auto r = pool.exec(n, "sleep 0.3; echo " + n, 5000);
    if (!r.ok()) return r.error();
    if (r->out != n + "\n") return base::Error{"wrong output on " + n + ": " + r->out};
    return base::ok_status();
  });
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].ok()) << results[0].error().message;
  EXPECT_TRUE(results[1].ok()) << results[1].error().message;
  ASSERT_FALSE(results[2].ok());
  EXPECT_NE(results[2].error().message.find("nope"), std::string::npos);
  EXPECT_TRUE(results[3].ok()) << results[3].error().message;
}

}  // namespace
}  // namespace faultline::harness::control
