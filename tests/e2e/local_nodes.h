#pragma once
// LocalNodes: the server processes of one target on 127.0.0.1, for the smoke tests of
// the target binaries (real TCP, real fsync, one temp dir per fixture, no root needed):
// free ports and --peers for n1..nN, start by fork/exec with the flags every server
// takes plus the test's, kill -9 and SIGTERM by pid only (never by name), and the nodes'
// logs when a test fails. The destructor kills what still runs and removes the temp
// dir, also after a failure. Not thread-safe.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace faultline::tests {

// Ports the kernel hands out for port 0; all held open until every one is picked, so
// they differ. Another process could take one before a node binds it (rare).
inline std::vector<uint16_t> free_ports(int n) {
  std::vector<int> fds;
  std::vector<uint16_t> ports;
  for (int i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    fds.push_back(fd);
    ports.push_back(ntohs(addr.sin_port));
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

class LocalNodes {
 public:
  // `binary`: the server to run; `count` nodes n1..n<count>; `tag` names the temp dir.
  LocalNodes(std::string binary, int count, const std::string& tag) : binary_(std::move(binary)) {
    std::string pattern = "/tmp/faultline-" + tag + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << pattern;
    root_ = pattern;
    const auto ports = free_ports(2 * count);
    for (int i = 0; i < count; ++i) {
      const std::string name = "n" + std::to_string(i + 1);
      names_.push_back(name);
      client_ports_.push_back(ports[2 * i + 1]);
      if (!peers_.empty()) peers_ += ",";
      peers_ += name + "=127.0.0.1:" + std::to_string(ports[2 * i]);
      clients_[name] = "127.0.0.1:" + std::to_string(ports[2 * i + 1]);
    }
    pids_.assign(static_cast<size_t>(count), -1);
  }
  // Prints the logs if the test failed, kills every node, removes the temp dir.
  ~LocalNodes() {
    for (int i = 0; i < size(); ++i) kill9(i);
    if (::testing::Test::HasFailure()) {
      for (const auto& name : names_) {
        std::ifstream log(root_ / (name + ".log"));
        std::cerr << "---- " << name << ".log ----\n" << log.rdbuf() << "\n";
      }
    }
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  LocalNodes(const LocalNodes&) = delete;
  LocalNodes& operator=(const LocalNodes&) = delete;

  // Starts node i with --id, --peers, --client-port, --data-dir, --pidfile and `extra`;
  // its stdout and stderr go to <root>/<name>.log. Precondition: it is not running.
  void start(int i, const std::vector<std::string>& extra = {}) {
    ASSERT_EQ(pids_[static_cast<size_t>(i)], -1);
    const std::string& name = names_[static_cast<size_t>(i)];
    std::vector<std::string> args = {binary_,
                                     "--id", name,
                                     "--peers", peers_,
                                     "--client-port", std::to_string(client_ports_[static_cast<size_t>(i)]),
                                     "--data-dir", (root_ / name).string(),
                                     "--pidfile", pidfile(i).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string log = (root_ / (name + ".log")).string();
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::FILE* out = std::freopen(log.c_str(), "a", stderr);
      if (out) ::dup2(::fileno(stderr), STDOUT_FILENO);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      std::_Exit(127);
    }
    pids_[static_cast<size_t>(i)] = pid;
  }

  void kill9(int i) {
    pid_t& pid = pids_[static_cast<size_t>(i)];
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }

  // SIGTERM and wait: the clean exit path. Returns the wait status.
  int terminate(int i) {
    pid_t& pid = pids_[static_cast<size_t>(i)];
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return status;
  }

  bool running(int i) const { return pids_[static_cast<size_t>(i)] > 0; }
  int size() const { return static_cast<int>(names_.size()); }
  const std::vector<std::string>& names() const { return names_; }
  const std::string& name(int i) const { return names_[static_cast<size_t>(i)]; }
  // name -> "127.0.0.1:<client port>", for the clients.
  const std::map<std::string, std::string>& clients() const { return clients_; }
  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path pidfile(int i) const { return root_ / (name(i) + ".pid"); }
  int index_of(const std::string& name) const {
    for (int i = 0; i < size(); ++i)
      if (names_[static_cast<size_t>(i)] == name) return i;
    return -1;
  }

 private:
  std::string binary_;
  std::filesystem::path root_;
  std::string peers_;
  std::vector<std::string> names_;
  std::vector<uint16_t> client_ports_;
  std::map<std::string, std::string> clients_;
  std::vector<pid_t> pids_;
};

}  // namespace faultline::tests
