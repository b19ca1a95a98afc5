#include "harness/cluster/config.h"

#include <sstream>

#include "harness/control/quote.h"

namespace faultline::harness::cluster {

using control::shell_quote;

std::string unsafe_path_reason(const std::filesystem::path& p) {
  for (char c : p.string()) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '"' || c == '\'' || c == '%' || c == '\\') {
      return "contains whitespace, a quote, a backslash or %";
    }
  }
  return "";
}

std::string render_sshd_config(const SshdConfig& c) {
  std::ostringstream o;
  o << "# Written by `faultline cluster up`; removed by `faultline cluster down`.\n"
    << "ListenAddress " << c.listen_address << ":22\n"
    << "HostKey " << c.host_key.string() << "\n"
    << "AuthorizedKeysFile " << c.authorized_keys.string() << "\n"
    << "PidFile " << c.pid_file.string() << "\n"
    << "PermitRootLogin prohibit-password\n"
    << "PasswordAuthentication no\n"
    << "KbdInteractiveAuthentication no\n"
    << "UsePAM no\n"
    << "StrictModes no\n"
    << "UseDNS no\n"
    // The harness uploads target binaries and downloads logs over SFTP.
    << "Subsystem sftp internal-sftp\n"
    << "LogLevel INFO\n";
  return o.str();
}

std::string render_node_setup(const NodeSetup& s) {
  const std::string state = shell_quote(s.state_dir.string());
  const std::string hold = "/run/faultline/state";
  std::ostringstream o;
  o << "set -e; "
    << "hostname " << shell_quote(s.node_name) << "; "
    // A private /run: sshd's privilege separation directory without touching the host.
    << "mount -t tmpfs -o mode=0755 tmpfs /run; "
    << "mkdir -p /run/sshd " << hold << "; "
    << "mount --bind " << state << " " << hold << "; "
    << "mount --bind " << shell_quote(s.opt_dir.string()) << " /opt/faultline; "
    << "mount -t tmpfs -o mode=1777 tmpfs /tmp; "
    // A private, empty home for root: the node is a machine of its own, and the
    // host's ~/.bashrc (which bash sources under sshd) must not run on every command
    // (here it cost 300 ms per exec).
    << "mount -t tmpfs -o mode=0700 tmpfs /root; "
    // The state directory may lie under /tmp or /root; put it back where sshd's
    // config says.
    << "mkdir -p " << state << "; "
    << "mount --bind " << hold << " " << state << "; "
    << "exec " << shell_quote(s.sshd_binary.string()) << " -D -f "
    << shell_quote(s.sshd_config.string()) << " -E " << shell_quote(s.sshd_log.string());
  return o.str();
}

std::vector<control::NodeSpec> local_node_specs(
    const std::vector<std::pair<std::string, std::string>>& nodes,
    const std::filesystem::path& key, const std::filesystem::path& known_hosts) {
  std::vector<control::NodeSpec> specs;
  for (const auto& [name, address] : nodes) {
    control::NodeSpec n;
    n.name = name;
    n.host = address;
    n.port = 22;
    n.user = "root";
    n.key_path = key.string();
    n.known_hosts_path = known_hosts.string();
    n.clock = "faketime";
    specs.push_back(std::move(n));
  }
  return specs;
}

std::string known_hosts_line(std::string_view ip, std::string_view pub_file_content) {
  // Keep "type base64", drop the comment and the newline.
  std::istringstream in{std::string(pub_file_content)};
  std::string type, key;
  in >> type >> key;
  return std::string(ip) + " " + type + " " + key;
}

}  // namespace faultline::harness::cluster
