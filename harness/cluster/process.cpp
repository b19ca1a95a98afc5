#include "harness/cluster/process.h"

#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cstdlib>
#include <iterator>
#include <sstream>

namespace faultline::harness::cluster {
namespace {

namespace bp = boost::process;

std::string describe(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

}  // namespace

base::Result<std::filesystem::path> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return std::filesystem::path(name);
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::istringstream in(path);
    std::string d;
    while (std::getline(in, d, ':')) {
      if (!d.empty()) dirs.push_back(d);
    }
  }
  for (const char* d : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) dirs.emplace_back(d);
  for (const auto& d : dirs) {
    std::filesystem::path p = std::filesystem::path(d) / name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return base::Error{"cannot find the program \"" + name + "\" (is it installed?)"};
}

base::Result<Output> run_capture(const std::vector<std::string>& argv) {
  auto exe = find_program(argv.at(0));
  if (!exe.ok()) return exe.error();
  try {
    bp::ipstream out;
    std::vector<std::string> args(argv.begin() + 1, argv.end());
    bp::child c(exe->string(), bp::args(args), bp::std_in < bp::null,
                (bp::std_out & bp::std_err) > out);
    Output o;
    o.text.assign(std::istreambuf_iterator<char>(out), std::istreambuf_iterator<char>());
    c.wait();
    o.exit_code = c.exit_code();
    return o;
  } catch (const std::exception& e) {
    return base::Error{"cannot run " + describe(argv) + ": " + e.what()};
  }
}

base::Result<std::string> run_checked(const std::vector<std::string>& argv) {
  auto o = run_capture(argv);
  if (!o.ok()) return o.error();
  if (o->exit_code != 0) {
    std::string text = o->text;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return base::Error{describe(argv) + " exited with " + std::to_string(o->exit_code) +
                       (text.empty() ? "" : ": " + text)};
  }
  return std::move(o->text);
}

base::Result<int> run_inherit(const std::vector<std::string>& argv) {
  auto exe = find_program(argv.at(0));
  if (!exe.ok()) return exe.error();
  try {
    std::vector<std::string> args(argv.begin() + 1, argv.end());
    return bp::system(exe->string(), bp::args(args));
  } catch (const std::exception& e) {
    return base::Error{"cannot run " + describe(argv) + ": " + e.what()};
  }
}

base::Result<int> spawn_detached(const std::vector<std::string>& argv,
                                 const std::filesystem::path& log) {
  auto exe = find_program(argv.at(0));
  if (!exe.ok()) return exe.error();
  try {
    std::vector<std::string> args(argv.begin() + 1, argv.end());
    bp::child c(exe->string(), bp::args(args), bp::std_in < bp::null,
                (bp::std_out & bp::std_err) > boost::filesystem::path(log.string()),
                bp::extend::on_exec_setup = [](auto&) { ::setsid(); });
    int pid = c.id();
    c.detach();
    return pid;
  } catch (const std::exception& e) {
    return base::Error{"cannot start " + describe(argv) + ": " + e.what()};
  }
}

}  // namespace faultline::harness::cluster
