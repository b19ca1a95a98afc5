#include "nemesis/iptables.h"
#include "nemesis/state_file.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "harness/control/quote.h"

namespace faultline::nemesis {
namespace {

using harness::control::shell_join;

std::string format_probability(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", p);
  return buf;
}

// The arguments after "-A FAULTLINE" that make `rule`.
std::vector<std::string> rule_args(const ChainRule& rule) {
  std::vector<std::string> args = {"-s", rule.source};
  if (rule.queue > 0) {
    args.insert(args.end(), {"-j", "NFQUEUE", "--queue-num", std::to_string(rule.queue),
                             "--queue-bypass"});
    return args;
  }
  if (rule.probability < 1.0) {
    args.insert(args.end(), {"-m", "statistic", "--mode", "random", "--probability",
                             format_probability(rule.probability)});
  }
  args.insert(args.end(), {"-j", "DROP"});
  return args;
}

std::vector<std::string> iptables(std::vector<std::string> args) {
  args.insert(args.begin(), {"iptables", "-w"});
  return args;
}

std::string first_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  const auto nl = t.find('\n');
  return nl == std::string::npos ? t : t.substr(0, nl) + " ...";
}

bool is_ipv4(const std::string& s) {
  in_addr a{};
  return ::inet_pton(AF_INET, s.c_str(), &a) == 1;
}

base::Status combine(const std::vector<base::Status>& results) {
  std::string message;
  for (const auto& r : results) {
    if (r.ok()) continue;
    if (!message.empty()) message += "; ";
    message += r.error().message;
  }
  if (message.empty()) return base::ok_status();
  return base::Error{message};
}

std::string describe_rules(const std::vector<ChainRule>& rules) {
  if (rules.empty()) return "(empty)";
  std::string s;
  for (const auto& r : rules) s += (s.empty() ? "" : "; ") + describe(r);
  return s;
}

}  // namespace

std::string describe(const ChainRule& rule) {
  ChainRule shown = rule;
  shown.source += "/32";
  std::vector<std::string> words = {"-A", kChain};
  const auto args = rule_args(shown);
  words.insert(words.end(), args.begin(), args.end());
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

base::Result<std::vector<ChainRule>> parse_chain(const std::string& output) {
  std::vector<ChainRule> rules;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream in(line);
    std::vector<std::string> t;
    for (std::string w; in >> w;) t.push_back(w);
    if (t.empty()) continue;
    if (t.size() == 2 && t[0] == "-N" && t[1] == kChain) continue;
    auto bad = [&](const std::string& why) {
      return base::Error{"chain " + std::string(kChain) + " holds a rule we did not make (" + why +
                         "): " + line};
    };
    if (t.size() < 2 || t[0] != "-A" || t[1] != kChain)
      return bad("not an -A " + std::string(kChain) + " line");
    ChainRule rule;
    bool have_source = false, have_drop = false, have_statistic = false, have_queue = false;
    for (size_t i = 2; i < t.size(); i += 2) {
      if (t[i] == "--queue-bypass" && have_queue) {
        --i;  // a flag without a value
        continue;
      }
      if (i + 1 >= t.size()) return bad("option " + t[i] + " has no value");
      const std::string& opt = t[i];
      const std::string& val = t[i + 1];
      if (opt == "-s") {
        rule.source = val;
        if (const auto slash = val.find('/'); slash != std::string::npos) {
          if (val.substr(slash) != "/32") return bad("source is a network, not one address");
          rule.source = val.substr(0, slash);
        }
        have_source = true;
      } else if (opt == "-m" && val == "statistic") {
        have_statistic = true;
      } else if (opt == "--mode" && val == "random" && have_statistic) {
      } else if (opt == "--probability" && have_statistic) {
        char* end = nullptr;
        rule.probability = std::strtod(val.c_str(), &end);
        if (end == val.c_str() || *end != '\0') return bad("probability '" + val + "'");
      } else if (opt == "-j" && val == "DROP") {
        have_drop = true;
      } else if (opt == "-j" && val == "NFQUEUE") {
        have_queue = true;
      } else if (opt == "--queue-num" && have_queue) {
        char* end = nullptr;
        const long q = std::strtol(val.c_str(), &end, 10);
        if (end == val.c_str() || *end != '\0' || q <= 0 || q > 65535) return bad("queue '" + val + "'");
        rule.queue = static_cast<int>(q);
      } else {
        return bad("unexpected " + opt + " " + val);
      }
    }
    if (have_queue && (rule.queue == 0 || have_statistic))
      return bad("not a -s <address> -j NFQUEUE --queue-num <n> rule");
    if (!have_source || have_drop == have_queue)
      return bad("not a -s <address> -j DROP or NFQUEUE rule");
    rules.push_back(rule);
  }
  return rules;
}

std::string chain_restore_text(const std::vector<ChainRule>& rules) {
  std::string text = "*filter\n:" + std::string(kChain) + " - [0:0]\n";
  for (const auto& rule : rules) text += describe(rule) + "\n";
  return text + "COMMIT\n";
}

bool same_rules(std::vector<ChainRule> a, std::vector<ChainRule> b) {
  if (a.size() != b.size()) return false;
  auto by_source = [](const ChainRule& x, const ChainRule& y) {
    if (x.source != y.source) return x.source < y.source;
    if (x.queue != y.queue) return x.queue < y.queue;
    return x.probability < y.probability;
  };
  std::sort(a.begin(), a.end(), by_source);
  std::sort(b.begin(), b.end(), by_source);
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].source != b[i].source || a[i].queue != b[i].queue) return false;
    if (std::fabs(a[i].probability - b[i].probability) > 1e-6) return false;
  }
  return true;
}

std::map<NodeName, std::string> addresses_of(const std::vector<harness::control::NodeSpec>& nodes) {
  std::map<NodeName, std::string> out;
  for (const auto& n : nodes) out[n.name] = n.host;
  return out;
}

IptablesNet::IptablesNet(harness::control::Pool& pool, std::map<NodeName, std::string> addresses,
                         int64_t timeout_ms)
    : pool_(pool), addresses_(std::move(addresses)), timeout_ms_(timeout_ms) {}

base::Result<std::string> IptablesNet::address(const NodeName& node) const {
  const auto it = addresses_.find(node);
  if (it == addresses_.end())
    return base::Error{"node " + node + ": not one of the cluster's nodes"};
  if (!is_ipv4(it->second)) {
    return base::Error{"node " + node + ": address '" + it->second +
                       "' is not an IPv4 address (iptables faults need one)"};
  }
  return it->second;
}

base::Status IptablesNet::apply(const Partition& partition) {
  std::map<NodeName, std::vector<ChainRule>> rules;
  for (const auto& [node, peers] : partition.grudge) {
    if (auto a = address(node); !a.ok()) return a.error();
    for (const auto& peer : peers) {
      if (peer == node) return base::Error{"node " + node + ": a node cannot drop itself"};
      auto a = address(peer);
      if (!a.ok()) return a.error();
      // Every packet from the peer, not just new connections: no ESTABLISHED/RELATED
      // accept precedes this in our chain, so connections that were open when the
      // partition began are cut too (as a real partition would).
      rules[node].push_back(ChainRule{*a, 1.0});
    }
  }
  partition_ = std::move(rules);
  return install_both();
}

base::Status IptablesNet::apply(const Loss& loss) {
  if (!(loss.probability > 0.0 && loss.probability <= 1.0)) {
    return base::Error{"packet loss probability " + format_probability(loss.probability) +
                       " is not in (0, 1]"};
  }
  std::map<NodeName, std::vector<ChainRule>> rules;
  for (const auto& pair : loss.pairs) {
    if (pair.from == pair.to) return base::Error{"node " + pair.to + ": a node cannot drop itself"};
    auto from = address(pair.from);
    if (!from.ok()) return from.error();
    if (auto to = address(pair.to); !to.ok()) return to.error();
    rules[pair.to].push_back(ChainRule{*from, loss.probability});
  }
  loss_ = std::move(rules);
  return install_both();
}

base::Status IptablesNet::apply(const Delay& delay) {
  std::map<NodeName, std::vector<ChainRule>> rules;
  for (const auto& node : delay.nodes) {
    if (auto a = address(node); !a.ok()) return a.error();
    for (const auto& [peer, peer_address] : addresses_) {
      if (peer == node) continue;
      auto a = address(peer);
      if (!a.ok()) return a.error();
      rules[node].push_back(ChainRule{*a, 1.0, kDelayQueue});
    }
  }
  delay_ = std::move(rules);
  return install_both();
}

base::Status IptablesNet::stop_partition() {
  partition_.clear();
  return install_both();
}

base::Status IptablesNet::stop_loss() {
  loss_.clear();
  return install_both();
}

base::Status IptablesNet::stop_delay() {
  delay_.clear();
  return install_both();
}

base::Status IptablesNet::install_both() {
  std::map<NodeName, std::vector<ChainRule>> rules = partition_;
  // Drops before the queue rules: a packet the delay helper accepts leaves the chain.
  for (const auto* kind : {&loss_, &delay_}) {
    for (const auto& [node, list] : *kind) rules[node].insert(rules[node].end(), list.begin(), list.end());
  }
  if (rules.empty()) return heal();
  return install(rules);
}

// Replaces each listed node's net_rules in the state file (an empty list clears it).
base::Status IptablesNet::record(const std::map<NodeName, std::vector<ChainRule>>& rules) {
  if (state_path_.empty()) return base::ok_status();
  return update_state(state_path_, [&](NemesisState& s) {
    for (const auto& [node, list] : rules) {
      clear_net_rules(s, node);
      for (const auto& r : list) add_net_rule(s, node, describe(r));
    }
  });
}

base::Status IptablesNet::install(const std::map<NodeName, std::vector<ChainRule>>& rules) {
  std::vector<NodeName> nodes;
  for (const auto& [node, addr] : addresses_) nodes.push_back(node);
  // Intent first: if the controller dies while installing, the record still says
  // which rules may be in place.
  std::map<NodeName, std::vector<ChainRule>> intended;
  for (const auto& node : nodes) {
    const auto it = rules.find(node);
    intended[node] = it == rules.end() ? std::vector<ChainRule>{} : it->second;
  }
  if (auto s = record(intended); !s.ok()) return s;
  // One slot per node, written only by that node's thread.
  std::vector<std::vector<ChainRule>> read_back(nodes.size());
  std::vector<bool> have(nodes.size(), false);
  static const std::vector<ChainRule> kNone;
  auto statuses = pool_.on_nodes(nodes, [&](const NodeName& node) -> base::Status {
    const size_t i =
        static_cast<size_t>(std::find(nodes.begin(), nodes.end(), node) - nodes.begin());
    const auto it = rules.find(node);
    auto got = install_on(node, it == rules.end() ? kNone : it->second);
    if (!got.ok()) return got.error();
    read_back[i] = *got;
    have[i] = true;
    return base::ok_status();
  });
  std::map<NodeName, std::vector<ChainRule>> seen;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (have[i]) {
      applied_[nodes[i]] = read_back[i];
      seen[nodes[i]] = read_back[i];
    } else {
      applied_.erase(nodes[i]);  // unknown: the intended rules stay recorded
    }
  }
  auto status = combine(statuses);
  if (auto s = record(seen); !s.ok() && status.ok()) return s;
  return status;
}

base::Result<std::vector<ChainRule>> IptablesNet::install_on(const NodeName& node,
                                                            const std::vector<ChainRule>& rules) {
  // iptables-restore --noflush replaces exactly the chains it declares, atomically
  // (creating ours if missing) and leaves every other rule alone; so a partition never
  // lapses while the loss rules change, or the other way round. Then jump to our chain
  // from INPUT exactly once. set -e: the first failing step stops the script.
  std::string script = "set -e\n";
  script += "printf '%s' " + harness::control::shell_quote(chain_restore_text(rules)) +
            " | iptables-restore -w --noflush\n";
  script += shell_join(iptables({"-C", "INPUT", "-j", kChain})) + " >/dev/null 2>&1 || " +
            shell_join(iptables({"-I", "INPUT", "-j", kChain})) + "\n";
  auto r = pool_.exec(node, script, timeout_ms_);
  if (!r.ok()) return r.error();
  if (r->exit_status != 0) {
    return base::Error{"node " + node + ": iptables failed (exit " +
                       std::to_string(r->exit_status) + ") installing " + describe_rules(rules) +
                       ": " + first_line(r->err)};
  }
  // Read back: what the kernel holds is what counts.
  auto s = pool_.exec(node, shell_join(iptables({"-S", kChain})), timeout_ms_);
  if (!s.ok()) return s.error();
  if (s->exit_status != 0) {
    return base::Error{"node " + node + ": cannot read back chain " + kChain + ": " +
                       first_line(s->err)};
  }
  auto got = parse_chain(s->out);
  if (!got.ok()) return base::Error{"node " + node + ": " + got.error().message};
  if (!same_rules(*got, rules)) {
    std::string missing;
    for (const auto& want : rules) {
      if (std::none_of(got->begin(), got->end(),
                       [&](const ChainRule& g) { return same_rules({g}, {want}); })) {
        missing += (missing.empty() ? "" : "; ") + describe(want);
      }
    }
    return base::Error{"node " + node + ": rules did not apply as intended" +
                       (missing.empty() ? std::string() : " (missing: " + missing + ")") +
                       "; wanted " + describe_rules(rules) + ", chain holds " +
                       describe_rules(*got)};
  }
  return *got;
}

base::Status IptablesNet::heal() {
  std::vector<NodeName> nodes;
  for (const auto& [node, addr] : addresses_) nodes.push_back(node);
  partition_.clear();
  loss_.clear();
  delay_.clear();
  auto statuses = pool_.on_nodes(nodes, [&](const NodeName& node) { return heal_on(node); });
  std::map<NodeName, std::vector<ChainRule>> healed;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (statuses[i].ok()) {
      applied_.erase(nodes[i]);
      healed[nodes[i]] = {};
    }
  }
  auto status = combine(statuses);
  if (auto s = record(healed); !s.ok() && status.ok()) return s;
  return status;
}

base::Status IptablesNet::heal_on(const NodeName& node) {
  const std::string exists = shell_join(iptables({"-S", kChain})) + " >/dev/null 2>&1";
  std::string script;
  // Only our chain and the INPUT rules that jump to it (-D deletes one match at a
  // time; there should be one, but a crashed run may have left more).
  script += "if " + exists + "; then " + shell_join(iptables({"-F", kChain})) + "; fi\n";
  script += "while " + shell_join(iptables({"-C", "INPUT", "-j", kChain})) +
            " >/dev/null 2>&1; do " + shell_join(iptables({"-D", "INPUT", "-j", kChain})) +
            " || exit 1; done\n";
  script += "if " + exists + "; then " + shell_join(iptables({"-X", kChain})) + " || exit 1; fi\n";
  auto r = pool_.exec(node, script, timeout_ms_);
  if (!r.ok()) return r.error();
  if (r->exit_status != 0) {
    return base::Error{"node " + node + ": iptables failed (exit " +
                       std::to_string(r->exit_status) + ") removing chain " + kChain + ": " +
                       first_line(r->err)};
  }
  auto s = pool_.exec(node, shell_join(iptables({"-S"})), timeout_ms_);
  if (!s.ok()) return s.error();
  if (s->exit_status != 0) {
    return base::Error{"node " + node + ": iptables -S failed after heal: " + first_line(s->err)};
  }
  if (s->out.find(kChain) != std::string::npos) {
    return base::Error{"node " + node + ": " + kChain + " is still in iptables -S after heal"};
  }
  return base::ok_status();
}

std::string IptablesNet::describe_applied() const {
  std::string s;
  for (const auto& [node, rules] : applied_) {
    if (rules.empty()) continue;
    s += (s.empty() ? "" : "\n") + node + ": " + describe_rules(rules);
  }
  return s.empty() ? "no rules" : s;
}

}  // namespace faultline::nemesis
