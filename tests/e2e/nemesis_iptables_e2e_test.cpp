// nemesis::IptablesNet on a real local cluster (network namespaces with sshd): each
// topology blocks exactly the ordered pairs its grudge implies, heal unblocks them all,
// loss drops about the asked share of connection attempts, delay holds packets for the
// asked time, and heal leaves other rules alone. Needs root, /usr/sbin/sshd and /usr/sbin/iptables; skips otherwise. Each test
// has its own state dir and subnet (10.77.50-59.0/24 and 10.77.65.0/24), so CTest may
// run them in parallel.
//
// The probe: node a opens a TCP connection to b's sshd (port 22) with bash's /dev/tcp
// under `timeout 1.5`. On a veth a connect takes well under a millisecond, and a
// partition drops every retransmitted SYN too, so a probe that has not connected within
// 1.5 s is blocked (the slack is for bash starting slowly on a loaded CI machine). A
// connect from a to b needs a's SYN to reach b and b's SYN-ACK to reach a, so (a, b) is
// blocked iff b drops a's packets or a drops b's.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "harness/cluster/cluster.h"
#include "harness/control/node.h"
#include "harness/control/quote.h"
#include "harness/control/ssh.h"
#include "nemesis/iptables.h"
#include "nemesis/nodes_backend.h"
#include "nemesis/state_file.h"
#include "nemesis/topology.h"
#include "tests/e2e/local_cluster_test.h"

namespace faultline::nemesis {
namespace {

namespace fs = std::filesystem;
namespace cluster = harness::cluster;
namespace control = harness::control;

using Pairs = std::set<std::pair<NodeName, NodeName>>;

// One subnet per test, distinct from the other e2e suites' (10.77.1-6, 41-46).
std::string octet_for_current_test() {
  static const std::map<std::string, int> kOctet = {
      {"HalvesBlockExactlyTheCrossPairsUntilHealed", 50},
      {"IsolationReplacesAnEarlierPartitionAndCutsTheNodeOffBothWays", 51},
      {"MajoritiesRingBlocksOnlyThePairsOppositeEachOther", 52},
      {"BridgeNodeStillReachesBothHalves", 53},
      {"MinorityThirdIsCutOffFromTheRest", 54},
      {"AsymmetricGrudgeBlocksConnectsBothWays", 55},
      {"LossOfHalfDropsAboutHalfTheConnectionAttempts", 56},
      {"HealKeepsOtherRulesAndLeavesNoTraceOfOurChain", 57},
      {"DelayHoldsPacketsIntoTheNodeUntilStoppedAndLeavesNoHelper", 58},
      {"PartitionCutsAConnectionThatWasAlreadyOpen", 59},
      {"StateFileRecordsTheRulesUntilHealed", 65},
  };
  const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  return "10.77." + std::to_string(kOctet.at(name));
}

// The ordered pairs a TCP connect cannot cross under `p` (see the file comment).
Pairs expected_blocked(const Partition& p) {
  Pairs out;
  for (const auto& [node, peers] : p.grudge) {
    for (const auto& peer : peers) {
      out.insert({peer, node});  // node drops peer's SYN
      out.insert({node, peer});  // node drops peer's SYN-ACK
    }
  }
  return out;
}

std::string show(const Pairs& pairs) {
  std::string s;
  for (const auto& [a, b] : pairs) s += (s.empty() ? "" : " ") + a + "->" + b;
  return s.empty() ? "(none)" : s;
}

class IptablesOnCluster : public testing::LocalClusterTest {
 protected:
  void SetUp() override {
    LocalClusterTest::SetUp();
    if (!IsSkipped() && !fs::exists("/usr/sbin/iptables")) {
      GTEST_SKIP() << "needs /usr/sbin/iptables";
    }
  }

  void bring_up(int count) {
    prefix_ = octet_for_current_test();
    LocalClusterTest::bring_up(count, prefix_ + ".0/24");
    if (HasFatalFailure()) return;
    net_ = std::make_unique<IptablesNet>(*pool_, addresses_of(nodes_));
  }

  void TearDown() override {
    net_.reset();
    LocalClusterTest::TearDown();
  }

  // Every ordered pair (a, b) whose connect from a to b:22 fails within 1.5 s. All
  // probes run at once: one shell per source node, one background probe per target.
  Pairs probe() {
    std::vector<std::string> outs(nodes_.size());
    auto statuses = pool_->on_nodes(names_, [&](const NodeName& a) -> base::Status {
      std::string script;
      for (const auto& b : nodes_) {
        if (b.name == a) continue;
        script +=
            "(" +
            control::shell_join({"timeout", "1.5", "bash", "-c", "</dev/tcp/" + b.host + "/22"}) +
            " >/dev/null 2>&1 && echo " + control::shell_quote(b.name + " ok") + " || echo " +
            control::shell_quote(b.name + " blocked") + ") &\n";
      }
      script += "wait\n";
      auto r = pool_->exec(a, script, 20'000);
      if (!r.ok()) return r.error();
      const size_t i =
          static_cast<size_t>(std::find(names_.begin(), names_.end(), a) - names_.begin());
      outs[i] = r->out;
      return base::ok_status();
    });
    Pairs blocked;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      EXPECT_TRUE(statuses[i].ok()) << statuses[i].error().message;
      std::istringstream in(outs[i]);
      std::string target, verdict;
      int answers = 0;
      while (in >> target >> verdict) {
        ++answers;
        if (verdict == "blocked") blocked.insert({names_[i], target});
      }
      EXPECT_EQ(answers, static_cast<int>(nodes_.size()) - 1) << names_[i] << ": " << outs[i];
    }
    return blocked;
  }

  // Applies `p`, checks exactly its pairs are blocked, heals, checks none is.
  void expect_partition_then_heal(const Partition& p) {
    auto s = net_->apply(p);
    ASSERT_TRUE(s.ok()) << s.error().message;
    const Pairs want = expected_blocked(p);
    ASSERT_FALSE(want.empty());
    EXPECT_EQ(show(probe()), show(want)) << net_->describe_applied();
    auto h = net_->heal();
    ASSERT_TRUE(h.ok()) << h.error().message;
    EXPECT_EQ(show(probe()), show({}));
    EXPECT_EQ(net_->describe_applied(), "no rules");
  }

  std::string prefix_;  // "10.77.50"
  std::unique_ptr<IptablesNet> net_;
};

TEST_F(IptablesOnCluster, HalvesBlockExactlyTheCrossPairsUntilHealed) {
  ASSERT_NO_FATAL_FAILURE(bring_up(5));
  ASSERT_EQ(show(probe()), show({}));  // nothing blocked before
  const Partition p = halves(names_);
  expect_partition_then_heal(p);
}

TEST_F(IptablesOnCluster, StateFileRecordsTheRulesUntilHealed) {
  ASSERT_NO_FATAL_FAILURE(bring_up(3));
  const fs::path state = dir_ / "nemesis.json";
  net_->record_state_in(state);
  ASSERT_TRUE(net_->apply(halves(names_)).ok());
  auto recorded = read_state(state);
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  // halves of 3: n1 | n2,n3 — every node holds rules, n1 two of them.
  EXPECT_EQ(recorded->net_rules.size(), 3u);
  EXPECT_EQ(recorded->net_rules.at("n1").size(), 2u);
  EXPECT_NE(recorded->net_rules.at("n2").at(0).find("-j DROP"), std::string::npos);
  ASSERT_TRUE(net_->heal().ok());
  recorded = read_state(state);
  ASSERT_TRUE(recorded.ok());
  EXPECT_TRUE(recorded->net_rules.empty());
}

TEST_F(IptablesOnCluster, IsolationReplacesAnEarlierPartitionAndCutsTheNodeOffBothWays) {
  ASSERT_NO_FATAL_FAILURE(bring_up(5));
  ASSERT_TRUE(net_->apply(halves(names_)).ok());
  auto p = isolate(names_, "n4");
  ASSERT_TRUE(p.ok());
  // The second apply replaces the first: only n4's pairs stay blocked.
  expect_partition_then_heal(*p);
}

TEST_F(IptablesOnCluster, MajoritiesRingBlocksOnlyThePairsOppositeEachOther) {
  ASSERT_NO_FATAL_FAILURE(bring_up(5));
  base::Random random(2024);
  expect_partition_then_heal(majorities_ring(names_, random));
}

TEST_F(IptablesOnCluster, BridgeNodeStillReachesBothHalves) {
  ASSERT_NO_FATAL_FAILURE(bring_up(5));
  const Partition p = bridge(names_);
  auto s = net_->apply(p);
  ASSERT_TRUE(s.ok()) << s.error().message;
  const Pairs blocked = probe();
  EXPECT_EQ(show(blocked), show(expected_blocked(p)));
  for (const auto& n : names_) {  // n3 is the bridge
    EXPECT_EQ(blocked.count({"n3", n}), 0u);
    EXPECT_EQ(blocked.count({n, "n3"}), 0u);
  }
  ASSERT_TRUE(net_->heal().ok());
  EXPECT_EQ(show(probe()), show({}));
}

TEST_F(IptablesOnCluster, MinorityThirdIsCutOffFromTheRest) {
  ASSERT_NO_FATAL_FAILURE(bring_up(5));
  base::Random random(77);
  expect_partition_then_heal(minority_third(names_, random));
}

TEST_F(IptablesOnCluster, AsymmetricGrudgeBlocksConnectsBothWays) {
  ASSERT_NO_FATAL_FAILURE(bring_up(3));
  // Only n1 drops n2's packets: connects n2->n1 (SYN dropped) and n1->n2 (SYN-ACK
  // dropped) both fail; n3 is untouched.
  auto p = explicit_grudge("n1:n2", names_);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(net_->apply(*p).ok());
  EXPECT_EQ(net_->describe_applied(), "n1: -A FAULTLINE -s " + prefix_ + ".12/32 -j DROP")
      << "(cluster addresses: " << nodes_[1].host << ")";
  EXPECT_EQ(show(probe()), show({{"n1", "n2"}, {"n2", "n1"}}));
  ASSERT_TRUE(net_->heal().ok());
  EXPECT_EQ(show(probe()), show({}));
}

TEST_F(IptablesOnCluster, LossOfHalfDropsAboutHalfTheConnectionAttempts) {
  ASSERT_NO_FATAL_FAILURE(bring_up(3));
  auto s = net_->apply(Loss{{{"n1", "n2"}}, 0.5});
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(net_->applied().at("n2").size(), 1u);
  EXPECT_NEAR(net_->applied().at("n2")[0].probability, 0.5, 1e-6);
  // 200 connects from n1 to n2, 20 at a time. n2 drops each SYN with p = 0.5 and
  // nothing else on the way back (n1 has no rule), so a connect succeeds iff its first
  // SYN got through: the retransmission comes after the 1 s initial RTO, well past
  // the 0.5 s timeout. So each attempt is one coin flip, independent of the others.
  const std::string attempt =
      control::shell_join({"timeout", "0.5", "bash", "-c", "</dev/tcp/" + nodes_[1].host + "/22"});
  const std::string script =
      "for batch in $(seq 10); do\n"
      "  for i in $(seq 20); do (" +
      attempt +
      " >/dev/null 2>&1 && echo ok) & done\n"
      "  wait\n"
      "done | grep -c ok || true\n";
  const int connected = std::stoi(run("n1", script));
  const int dropped = 200 - connected;
  RecordProperty("dropped_of_200", dropped);
  std::cout << "[   INFO   ] loss p=0.5: " << dropped << " of 200 connects dropped\n";
  // Binomial(200, 0.5): sd ~7, so [50, 150] is ~7 sd wide either way.
  EXPECT_GE(dropped, 50) << connected << " of 200 connected";
  EXPECT_LE(dropped, 150) << connected << " of 200 connected";
  ASSERT_TRUE(net_->heal().ok());
  EXPECT_EQ(show(probe()), show({}));
}

TEST_F(IptablesOnCluster, HealKeepsOtherRulesAndLeavesNoTraceOfOurChain) {
  ASSERT_NO_FATAL_FAILURE(bring_up(3));
  // Heal with no chain anywhere is harmless.
  auto first = net_->heal();
  ASSERT_TRUE(first.ok()) << first.error().message;
  const std::vector<std::string> foreign = {"INPUT", "-s", prefix_ + ".99", "-j", "DROP"};
  auto ipt = [](const std::string& op, std::vector<std::string> rule) {
    rule.insert(rule.begin(), {"iptables", "-w", op});
    return control::shell_join(rule);
  };
  run("n1", ipt("-A", foreign));
  // Applying twice still jumps to our chain once.
  ASSERT_TRUE(net_->apply(*isolate(names_, "n2")).ok());
  ASSERT_TRUE(net_->apply(*isolate(names_, "n3")).ok());
  EXPECT_EQ(run("n1", "iptables -w -S INPUT | grep -c FAULTLINE"), "1\n");
  EXPECT_EQ(net_->describe_applied(), "n1: -A FAULTLINE -s " + prefix_ + ".13/32 -j DROP\n" +
                                          "n2: -A FAULTLINE -s " + prefix_ + ".13/32 -j DROP\n" +
                                          "n3: -A FAULTLINE -s " + prefix_ + ".11/32 -j DROP; " +
                                          "-A FAULTLINE -s " + prefix_ + ".12/32 -j DROP");
  ASSERT_TRUE(net_->heal().ok());
  ASSERT_TRUE(net_->heal().ok());  // idempotent
  for (const auto& n : names_) {
    EXPECT_EQ(run(n, "iptables -w -S").find("FAULTLINE"), std::string::npos) << n;
  }
  EXPECT_NE(run("n1", "iptables -w -S INPUT").find("-A INPUT -s " + prefix_ + ".99/32 -j DROP"),
            std::string::npos);
  run("n1", ipt("-D", foreign));
  EXPECT_EQ(run("n1", "iptables -w -S INPUT"), "-P INPUT ACCEPT\n");
}

// The delay fault through NodesBackend: the NFQUEUE rules and the faultline-delay
// helper on n2. A connect from n1 to n2:22 needs n1's SYN taken in by n2, so it takes
// the delay (at least delay - jitter = 140 ms here) while the fault is on, and well
// under a millisecond before and after (the bound of 100 ms leaves room for a loaded
// machine: it times two `date` processes too); n1 to n3 is not delayed. The stop and the
// heal leave no rule and no helper behind.
TEST_F(IptablesOnCluster, DelayHoldsPacketsIntoTheNodeUntilStoppedAndLeavesNoHelper) {
  ASSERT_NO_FATAL_FAILURE(bring_up(3));
  NodesBackendOptions options;
  options.delay_helper = FAULTLINE_DELAY_BIN;
  NodesBackend backend(*pool_, nodes_, nullptr, options);
  // The fastest of five connects from n1 to `to`, in ms.
  auto connect_ms = [&](const std::string& to) {
    const std::string host = to == "n2" ? prefix_ + ".12" : prefix_ + ".13";
    const std::string script =
        "best=999999; for i in 1 2 3 4 5; do s=$(date +%s%N); " +
        control::shell_join({"timeout", "2", "bash", "-c", "</dev/tcp/" + host + "/22"}) +
        " || exit 1; e=$(date +%s%N); t=$(( (e - s) / 1000000 )); "
        "[ $t -lt $best ] && best=$t; done; echo $best";
    return std::stol(run("n1", script));
  };
  EXPECT_LT(connect_ms("n2"), 100);

  Delay delay;
  delay.nodes = {"n2"};
  delay.delay_ms = 150;
  delay.jitter_ms = 10;
  const Applied started = backend.start_delay(delay);
  ASSERT_TRUE(started.ok()) << started.error;
  ASSERT_TRUE(started.value["helpers"]["pids"].contains("n2")) << started.value.dump();
  const int pid = started.value["helpers"]["pids"]["n2"].get<int>();
  EXPECT_EQ(run("n2", "iptables -w -S FAULTLINE"),
            "-N FAULTLINE\n"
            "-A FAULTLINE -s " + prefix_ + ".11/32 -j NFQUEUE --queue-num 7707 --queue-bypass\n"
            "-A FAULTLINE -s " + prefix_ + ".13/32 -j NFQUEUE --queue-num 7707 --queue-bypass\n");
  EXPECT_GE(connect_ms("n2"), 140);
  EXPECT_LT(connect_ms("n3"), 100);

  const Applied stopped = backend.stop_delay();
  ASSERT_TRUE(stopped.ok()) << stopped.error;
  EXPECT_LT(connect_ms("n2"), 100);
  EXPECT_EQ(run("n2", "[ -d /proc/" + std::to_string(pid) + " ] && echo alive || echo gone"), "gone\n");
  EXPECT_EQ(run("n2", "iptables -w -S | grep -c FAULTLINE || true"), "0\n");

  // A delay left on is undone by the heal, helper included.
  ASSERT_TRUE(backend.start_delay(delay).ok());
  const Applied healed = backend.heal(20'000);
  ASSERT_TRUE(healed.ok()) << healed.error;
  EXPECT_LT(connect_ms("n2"), 100);
  EXPECT_EQ(run("n2", "pid=$(cat /opt/faultline/delay.pid); [ -d /proc/$pid ] && echo alive || echo gone"),
            "gone\n");
}

// Dropping every packet from the peer (no ESTABLISHED accept first) also cuts
// connections that were open before the partition. n1 opens a connection to n2's sshd
// and reads its banner (draining everything sshd sent for 0.3 s); then, after the test
// has or has not made n2 drop n1's packets, sends its own version string and counts
// the bytes sshd answers with (its KEXINIT, ~1 KB) in the next second.
TEST_F(IptablesOnCluster, PartitionCutsAConnectionThatWasAlreadyOpen) {
  ASSERT_NO_FATAL_FAILURE(bring_up(3));
  // A second pool: the first one's n1 session must stay free while the script runs.
  control::Pool side(nodes_, control::SshOptions{});
  const std::string script =
      "exec 3<>" + control::shell_quote("/dev/tcp/" + nodes_[1].host + "/22") +
      "\n"
      "timeout 0.3 cat <&3 | head -c 4\n"
      "echo\n"
      "touch /tmp/fl-open\n"
      "for i in $(seq 100); do [ -e /tmp/fl-go ] && break; sleep 0.05; done\n"
      "printf 'SSH-2.0-faultline\\r\\n' >&3\n"
      "timeout 1 cat <&3 | wc -c\n";
  auto grudge = explicit_grudge("n2:n1", names_);
  ASSERT_TRUE(grudge.ok());
  for (const bool partitioned : {false, true}) {
    run("n1", "rm -f /tmp/fl-open /tmp/fl-go");
    base::Result<control::ExecResult> result = base::Error{"not run"};
    std::thread conn([&] { result = side.exec_argv("n1", {"bash", "-c", script}, 20'000); });
    for (int i = 0; i < 100 && run("n1", "test -e /tmp/fl-open && echo y || true") != "y\n"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (partitioned) {
      auto s = net_->apply(*grudge);  // no ASSERT while `conn` runs: it must be joined
      EXPECT_TRUE(s.ok()) << s.error().message;
    }
    run("n1", "touch /tmp/fl-go");
    conn.join();
    ASSERT_TRUE(result.ok()) << result.error().message;
    // The banner came before the partition either way; the KEXINIT only without it.
    ASSERT_EQ(result->out.substr(0, 5), "SSH-\n") << result->out << result->err;
    const int kexinit_bytes = std::stoi(result->out.substr(5));
    if (partitioned) {
      EXPECT_EQ(kexinit_bytes, 0);
    } else {
      EXPECT_GT(kexinit_bytes, 0);
    }
  }
  ASSERT_TRUE(net_->heal().ok());
}

}  // namespace
}  // namespace faultline::nemesis
