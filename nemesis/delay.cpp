#include "nemesis/delay.h"

#include "harness/control/quote.h"
#include "nemesis/iptables.h"
#include "nemesis/per_node.h"

namespace faultline::nemesis {

ProcessSpec delay_helper_spec(const Delay& delay, int64_t command_timeout_ms) {
  ProcessSpec spec;
  spec.pidfile = kDelayPidfile;
  spec.expect = "faultline-delay";
  spec.start_command = harness::control::shell_join(
      {kDelayHelperPath, "--queue", std::to_string(kDelayQueue), "--delay-ms",
       std::to_string(delay.delay_ms), "--jitter-ms", std::to_string(delay.jitter_ms), "--seed",
       std::to_string(delay.seed), "--pidfile", kDelayPidfile, "--log", kDelayLog});
  spec.command_timeout_ms = command_timeout_ms;
  return spec;
}

base::Status install_helper(harness::control::Pool& pool, const std::vector<NodeName>& nodes,
                            const std::filesystem::path& local, const std::string& remote,
                            int64_t timeout_ms) {
  std::string errors;
  const auto dir = std::filesystem::path(remote).parent_path().string();
  for (const auto& r : per_node<bool>(pool, nodes, [&](const NodeName& node) -> base::Result<bool> {
         auto mk = pool.exec(node, harness::control::shell_join({"mkdir", "-p", "--", dir}), timeout_ms);
         if (!mk.ok()) return mk.error();
         if (mk->exit_status != 0)
           return base::Error{"node " + node + ": cannot create " + dir + ": " + mk->err};
         if (auto s = pool.upload(node, local, remote, 0755); !s.ok()) return s.error();
         return true;
       })) {
    if (!r.ok()) errors += (errors.empty() ? "" : "; ") + r.error().message;
  }
  if (!errors.empty()) return base::Error{errors};
  return base::ok_status();
}

}  // namespace faultline::nemesis
