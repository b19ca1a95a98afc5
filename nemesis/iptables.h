#pragma once
// IptablesNet: the network faults of the real nemesis (partitions, packet loss and
// packet delay), applied with iptables inside each node over the SSH pool. All our rules live in one
// chain of our own, FAULTLINE, in the filter table, jumped to once from INPUT; heal()
// removes exactly that and never touches anyone else's rules. A partition, a loss and a
// delay may be active at once: each apply replaces only its own kind's rules, and the
// chain (every kind) is swapped in one atomic iptables-restore, so changing one never
// opens a gap in another. Delay rules hand packets to an NFQUEUE queue, where the
// node's faultline-delay helper (nemesis/delay.h) holds them; they come last in the
// chain, since a packet the helper accepts skips the rest of the chain. Called from the nemesis
// thread only: not thread-safe (it uses the Pool, which is, from several threads at
// once inside each call). IPv4 only: node addresses must be IPv4 literals.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "harness/control/node.h"
#include "harness/control/ssh.h"
#include "nemesis/faults.h"

namespace faultline::nemesis {

inline constexpr const char* kChain = "FAULTLINE";

// The NFQUEUE queue the delay rules use and the delay helper binds.
inline constexpr int kDelayQueue = 7707;

// One rule of our chain: drop packets whose source is `source`, every packet
// (probability 1) or each one with `probability`; or, with `queue` > 0, hand every
// packet from `source` to NFQUEUE queue `queue` (the delay fault).
struct ChainRule {
  std::string source;  // IPv4 address, no prefix length ("10.77.0.12")
  double probability = 1.0;
  int queue = 0;
  bool operator==(const ChainRule&) const = default;
};

// The rule as an `iptables -S` line: "-A FAULTLINE -s 10.77.0.12/32 -j DROP", with
// "-m statistic --mode random --probability 0.5" before -j when probability < 1;
// "-A FAULTLINE -s 10.77.0.12/32 -j NFQUEUE --queue-num 7707 --queue-bypass" for a
// queue rule (bypass: with no helper bound to the queue, packets pass undelayed).
std::string describe(const ChainRule& rule);

// The rules in `iptables -S FAULTLINE` output (its "-N FAULTLINE" line is skipped).
// Error, quoting the line, for a rule that is not one ChainRule could have made.
base::Result<std::vector<ChainRule>> parse_chain(const std::string& iptables_s_output);

// The iptables-restore input that replaces our chain's rules with `rules` (and
// creates the chain if missing) in one atomic step when run with --noflush:
// "*filter\n:FAULTLINE - [0:0]\n-A FAULTLINE ...\nCOMMIT\n".
std::string chain_restore_text(const std::vector<ChainRule>& rules);

// True if `a` and `b` hold the same rules in any order, probabilities equal within
// 1e-6 (the kernel keeps p as a 31-bit fraction and iptables prints 11 decimals).
bool same_rules(std::vector<ChainRule> a, std::vector<ChainRule> b);

// node name -> NodeSpec.host, the address peers see its packets come from.
std::map<NodeName, std::string> addresses_of(const std::vector<harness::control::NodeSpec>& nodes);

class IptablesNet {
 public:
  // `addresses`: every node of the cluster, name -> IPv4 address. `pool` must outlive
  // this object and reach every node in `addresses`. Each remote command is bounded by
  // `timeout_ms`.
  IptablesNet(harness::control::Pool& pool, std::map<NodeName, std::string> addresses,
              int64_t timeout_ms = 10'000);

  // Replaces the partition rules in our chain on every node (in parallel) with the
  // partition's, keeping any loss rules: node X gets "-A FAULTLINE -s <peer> -j DROP"
  // for each peer it holds a grudge against. Then reads every chain back. Error (naming
  // the node, and the rule) if a node is unknown or unreachable, a command fails, or a
  // rule that was meant to be there is not (or one that was not meant is). Other nodes
  // are still applied when one fails; applied() says what each one holds.
  base::Status apply(const Partition& partition);

  // Replaces the loss rules in our chain on every node with the loss's, keeping any
  // partition rules: for each pair, `to` gets
  // "-A FAULTLINE -s <from> -m statistic --mode random --probability p -j DROP".
  // Precondition checked (error): 0 < probability <= 1, from != to, both known.
  base::Status apply(const Loss& loss);

  // Replaces the delay rules on every node, keeping the other kinds: each node in
  // delay.nodes gets "-A FAULTLINE -s <peer> -j NFQUEUE --queue-num 7707
  // --queue-bypass" for every other node, after the partition and loss rules. Only
  // the rules: the helper that holds the queued packets is NodesBackend's to start.
  base::Status apply(const Delay& delay);

  // Remove only one kind's rules, keeping the others; when no kind has rules left
  // this is heal().
  base::Status stop_partition();
  base::Status stop_loss();
  base::Status stop_delay();

  // On every node: flush our chain, remove INPUT's jump(s) to it, delete it; then
  // check `iptables -S` mentions FAULTLINE nowhere. Forgets every kind of rule. Idempotent, harmless when the chain
  // does not exist, and touches no other rule. Errors name the node.
  base::Status heal();

  // What our chain held on each node when it was last read back (after apply; empty
  // after heal). Nodes whose chain could not be read are absent.
  const std::map<NodeName, std::vector<ChainRule>>& applied() const { return applied_; }

  // applied() as text for the history: one line per node with rules,
  // "n1: -A FAULTLINE -s 10.77.0.12/32 -j DROP; -A FAULTLINE ...", nodes in name order;
  // "no rules" when there are none.
  std::string describe_applied() const;

  // From now on, every apply and heal also records in the nemesis state file at `path`
  // (state_file.h, "net_rules") what each node may hold: the intended rules before they
  // are installed (a crash midway still leaves a record to heal from), what was read
  // back after, and nothing once healed. A failed write is an error of that call.
  void record_state_in(std::filesystem::path path) { state_path_ = std::move(path); }

  // Bounds each remote command from now on (a heal with a deadline shortens it).
  void set_timeout_ms(int64_t timeout_ms) { timeout_ms_ = timeout_ms; }

 private:
  base::Status record(const std::map<NodeName, std::vector<ChainRule>>& rules);
  // Installs partition_, loss_ and delay_ together, in that order (nodes of addresses_
  // in none get none), or heals when all are empty.
  base::Status install_both();
  // Installs `rules` (node -> its rules; nodes of addresses_ not in it get none).
  base::Status install(const std::map<NodeName, std::vector<ChainRule>>& rules);
  base::Result<std::vector<ChainRule>> install_on(const NodeName& node,
                                                 const std::vector<ChainRule>& rules);
  base::Status heal_on(const NodeName& node);
  base::Result<std::string> address(const NodeName& node) const;

  harness::control::Pool& pool_;
  std::map<NodeName, std::string> addresses_;
  int64_t timeout_ms_;
  std::map<NodeName, std::vector<ChainRule>> applied_;
  std::map<NodeName, std::vector<ChainRule>> partition_;  // wanted, per kind
  std::map<NodeName, std::vector<ChainRule>> loss_;
  std::map<NodeName, std::vector<ChainRule>> delay_;
  std::filesystem::path state_path_;
};

}  // namespace faultline::nemesis
