#pragma once
// The target process of the nemesis e2e tests: a shell script that counts in
// /opt/faultline/count (the node's private data dir) every 20 ms, continuing from the
// last count so a restart on the same data dir is visible. Found by its pidfile and
// command line (counter.sh), as a real target's deploy recipe would be.

#include <string>

#include "harness/control/quote.h"
#include "nemesis/process_faults.h"

namespace faultline::testing {

// The count is replaced with mv so a reader never sees a half-written file.
inline constexpr const char* kCounterScript =
    "#!/bin/sh\n"
    "i=$(cat /opt/faultline/count 2>/dev/null)\n"
    "case $i in ''|*[!0-9]*) i=0;; esac\n"
    "while :; do\n"
    "  i=$((i+1))\n"
    "  echo $i > /opt/faultline/count.tmp && mv /opt/faultline/count.tmp /opt/faultline/count\n"
    "  sleep 0.02\n"
    "done\n";

// The shell command that installs the script on a node.
inline std::string install_counter_command() {
  return "printf '%s' " + harness::control::shell_quote(kCounterScript) +
         " > /opt/faultline/counter.sh";
}

inline nemesis::ProcessSpec counter_spec() {
  nemesis::ProcessSpec spec;
  spec.pidfile = "/opt/faultline/counter.pid";
  spec.start_command =
      "sh /opt/faultline/counter.sh </dev/null >/dev/null 2>&1 & echo $! > /opt/faultline/counter.pid";
  spec.expect = "counter.sh";
  return spec;
}

}  // namespace faultline::testing
