#pragma once
// What the e2e tests that drive the real faultline binary share: sh() runs a command
// and collects its exit code and output, q() quotes a word, slurp() reads a file, and
// RunFixture gives each test a temp dir with a cluster state dir and a store, and
// always takes that cluster down afterwards (a run does it itself; this is for a run
// that was killed or failed early), also when the test failed. The including test
// target defines FAULTLINE_BIN. Needs root; the fixture skips otherwise. Not
// thread-safe (popen); tests call them from their own thread.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace faultline::tests {

struct Shell {
  int exit_code = -1;
  std::string output;
};

// Runs `command` with sh, stdout and stderr together.
inline Shell sh(const std::string& command) {
  Shell r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// `s` in single quotes (for the paths the tests make, which hold none).
inline std::string q(const std::string& s) { return "'" + s + "'"; }

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class RunFixture : public ::testing::Test {
 protected:
  explicit RunFixture(std::string name) : name_(std::move(name)) {}
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, iptables)";
    std::string pattern = (std::filesystem::temp_directory_path() / (name_ + "-XXXXXX")).string();
    dir_ = ::mkdtemp(pattern.data());
  }
  void TearDown() override {
    if (dir_.empty()) return;
    sh(std::string(FAULTLINE_BIN) + " cluster down --state-dir " + q(state()));
    std::filesystem::remove_all(dir_);
  }
  std::string state() const { return (dir_ / "cluster").string(); }
  std::string store() const { return (dir_ / "store").string(); }

  std::filesystem::path dir_;

 private:
  std::string name_;
};

}  // namespace faultline::tests
