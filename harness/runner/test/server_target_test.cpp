// ServerTarget's shell lines, run with the local sh (as sshd would run them on a node):
// the start line passes hostile argv through byte-for-byte, records the pid for servers
// that do not, and the stop line acts only on a pid whose command line is the server's.
#include "base/test/temp_dir.h"
#include "harness/runner/server_target.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness/control/quote.h"

namespace faultline::harness::runner {
namespace {

namespace fs = std::filesystem;

using base::TempDir;

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Polls (the start line backgrounds its command) until `done` or about five seconds.
template <class F>
bool eventually(F done) {
  for (int i = 0; i < 5000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

int sh(const std::string& line) { return std::system(("sh -c " + control::shell_quote(line)).c_str()); }

struct Fixture {
  TempDir dir;
  control::Pool pool{{}, control::SshOptions{}};
  std::vector<control::NodeSpec> nodes = [] {
    control::NodeSpec node;
    node.name = "n1";
    node.host = "127.0.0.1";
    node.clock = "none";  // no libfaketime wrapper: the line runs as it is
    return std::vector<control::NodeSpec>{node};
  }();

  ServerRecipe recipe(std::vector<std::string> argv) const {
    ServerRecipe r;
    r.name = "demo";
    r.remote_dir = dir.path().string();
    r.process_match = "faultline-demo-server";
    r.log_file = (dir.path() / "demo.log").string();
    r.pidfile = (dir.path() / "demo.pid").string();
    r.start_argv = [argv](size_t) { return argv; };
    return r;
  }
};

TEST(ServerTarget, StartLinePassesHostileArgumentsThroughByteForByte) {
  Fixture f;
  const std::string hostile = "a'b\"c $(touch pwned) `touch pwned2`; & | * \\ \n end";
  ServerTarget target(f.pool, f.nodes, f.recipe({"printf", "%s", hostile}));
  ASSERT_EQ(sh(target.start_command(0)), 0);
  EXPECT_TRUE(eventually([&] { return read_file(f.dir.path() / "demo.log") == hostile; }));
  EXPECT_FALSE(fs::exists(f.dir.path() / "pwned"));
  EXPECT_FALSE(fs::exists(f.dir.path() / "pwned2"));
}

TEST(ServerTarget, StartLineRecordsThePidOfAServerThatWritesNoPidfile) {
  Fixture f;
  ServerRecipe recipe = f.recipe({"sh", "-c", "exec sleep 30", "faultline-demo-server"});
  recipe.process_match = "sleep";
  recipe.server_writes_pidfile = false;
  ServerTarget target(f.pool, f.nodes, recipe);
  ASSERT_EQ(sh(target.start_command(0)), 0);
  std::string pid;
  ASSERT_TRUE(eventually([&] {
    pid = read_file(f.dir.path() / "demo.pid");
    return !pid.empty() && read_file("/proc/" + pid.substr(0, pid.find('\n')) + "/cmdline").find("sleep") !=
                               std::string::npos;
  }));
  pid = pid.substr(0, pid.find('\n'));
  // The stop line ends it: the process is gone (or a zombie awaiting its reaper).
  ASSERT_EQ(sh(target.stop_command()), 0);
  EXPECT_TRUE(eventually([&] {
    const std::string status = read_file("/proc/" + pid + "/status");
    return status.empty() || status.find("State:\tZ") != std::string::npos;
  }));
}

TEST(ServerTarget, StopLeavesAPidWhoseCommandLineIsNotTheServersAlone) {
  Fixture f;
  ServerTarget target(f.pool, f.nodes, f.recipe({"true"}));
  // The pidfile names this test process, as after a pid was recycled.
  std::ofstream(f.dir.path() / "demo.pid") << ::getpid() << "\n";
  EXPECT_EQ(sh(target.stop_command()), 0);
  EXPECT_EQ(::kill(::getpid(), 0), 0);  // still here to say so
}

TEST(ServerTarget, StopWithoutAPidfileSucceeds) {
  Fixture f;
  ServerTarget target(f.pool, f.nodes, f.recipe({"true"}));
  EXPECT_EQ(sh(target.stop_command()), 0);
}

}  // namespace
}  // namespace faultline::harness::runner
