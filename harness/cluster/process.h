#pragma once
// Child processes of the local cluster, launched with Boost.Process from argv vectors
// (never through a shell string). Thread-safe as far as fork/exec is: each call owns
// its child.

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

namespace faultline::harness::cluster {

// The absolute path of `name`: itself if it holds a '/', else the first hit in $PATH,
// then /usr/sbin, /sbin, /usr/bin, /bin. Error naming the program if none.
base::Result<std::filesystem::path> find_program(const std::string& name);

struct Output {
  int exit_code = 0;
  std::string text;  // stdout and stderr together
};

// Runs argv[0] with the rest as arguments, stdin from /dev/null, and waits.
base::Result<Output> run_capture(const std::vector<std::string>& argv);

// As run_capture, but a non-zero exit is an error holding the command and its output.
base::Result<std::string> run_checked(const std::vector<std::string>& argv);

// Runs argv with the caller's stdin/stdout/stderr and returns its exit code.
base::Result<int> run_inherit(const std::vector<std::string>& argv);

// Starts argv in a new session (so terminal signals do not reach it) with stdin from
// /dev/null and stdout+stderr appended to `log`, and does not wait. Returns its pid.
base::Result<int> spawn_detached(const std::vector<std::string>& argv,
                                 const std::filesystem::path& log);

}  // namespace faultline::harness::cluster
