// kv_bench: a load generator for a running cluster of a key-value target (faultline-raft,
// faultline-zab: one client protocol, one client). It does not start the cluster:
// bench/run_kv_bench.sh and bench/run_zab_bench.sh do that (and stop it by pid), so a
// benchmark can never leave servers behind. Subcommands:
//   kv_bench ports N          prints N free loopback TCP ports, one per line
//   kv_bench run --nodes n1=127.0.0.1:P,... --op put|get --clients 16 --seconds 10 [--spread]
// `run` waits for a leader (a put that comes back ok), preloads the keys for gets, then
// runs `--clients` threads, each with its own KvClient, calling back to back for
// `--seconds`; with --spread, client t is bound to node t mod N (its home), as each
// ZooKeeper client keeps one server, so reads a follower answers spread over the nodes.
// Only ok outcomes count toward throughput and latency; fail and info are counted and
// printed, and so is how many ok calls each node answered. Prints one line of key=value
// pairs (the scripts parse it). Exit codes: 0 measured, 1 no leader / nothing ok, 3 bad
// flags.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "targets/common/kv_client.h"

namespace {

using faultline::targets::common::KvClient;
using faultline::targets::common::OpKind;
using faultline::targets::common::OutcomeType;
using faultline::targets::common::Request;
using Clock = std::chrono::steady_clock;

int print_free_ports(int n) {
  // All held open until every one is picked, so they differ. Another process could
  // take one before a node binds it (rare; the script then fails to start a node).
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::perror("kv_bench ports");
      return 1;
    }
    fds.push_back(fd);
    std::cout << ntohs(addr.sin_port) << "\n";
  }
  for (int fd : fds) ::close(fd);
  return 0;
}

struct ThreadResult {
  std::vector<uint32_t> ok_us;  // latency of each ok call, microseconds
  std::map<std::string, uint64_t> ok_by_node;  // which node answered each ok call
  uint64_t fail = 0;
  uint64_t info = 0;
};

std::string key_of(uint64_t i) { return "k" + std::to_string(i); }

double percentile_ms(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[i] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kv_bench: put/get throughput and latency against a faultline-raft or faultline-zab "
               "cluster"};
  app.require_subcommand(1);
  int port_count = 0;
  auto* ports = app.add_subcommand("ports", "print N free loopback ports");
  ports->add_option("n", port_count)->required();

  std::string nodes_flag, op = "put", label;
  int clients = 16, timeout_ms = 2000, value_bytes = 32;
  double seconds = 10, leader_wait_s = 15;
  uint64_t keys = 1000;
  auto* run = app.add_subcommand("run", "measure one phase");
  run->add_option("--nodes", nodes_flag, "client addresses: n1=HOST:PORT,...")->required();
  run->add_option("--op", op, "put | get")->check(CLI::IsMember({"put", "get"}))->capture_default_str();
  run->add_option("--clients", clients, "client threads, one KvClient each")->capture_default_str();
  run->add_option("--seconds", seconds, "measured duration")->capture_default_str();
  run->add_option("--keys", keys, "keys k0..kN-1, chosen round robin per client")->capture_default_str();
  run->add_option("--value-bytes", value_bytes, "put value size")->capture_default_str();
  run->add_option("--timeout-ms", timeout_ms, "per call, retries included")->capture_default_str();
  run->add_option("--leader-wait", leader_wait_s, "seconds to wait for a leader and the preload")
      ->capture_default_str();
  run->add_option("--label", label, "copied to the output line");
  bool spread = false;
  run->add_flag("--spread", spread, "bind client t to node t mod N (reads a follower serves spread out)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 3;
  }
  if (ports->parsed()) return print_free_ports(port_count);
  if (clients <= 0 || seconds <= 0 || keys == 0) {
    std::cerr << "kv_bench: --clients, --seconds and --keys must be positive\n";
    return 3;
  }

  std::map<std::string, std::string> nodes;
  for (size_t start = 0; start < nodes_flag.size();) {
    size_t comma = nodes_flag.find(',', start);
    if (comma == std::string::npos) comma = nodes_flag.size();
    const std::string item = nodes_flag.substr(start, comma - start);
    start = comma + 1;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) {
      std::cerr << "kv_bench: --nodes: expected NAME=HOST:PORT, got '" << item << "'\n";
      return 3;
    }
    nodes[item.substr(0, eq)] = item.substr(eq + 1);
  }
  const auto timeout = std::chrono::milliseconds(timeout_ms);
  // Client ids: distinct per process run (a restarted cluster keeps its dedup table
  // only if the data dir survives, which the script never lets happen, but be safe).
  const uint64_t id_base =
      (static_cast<uint64_t>(::getpid()) << 20) ^
      static_cast<uint64_t>(Clock::now().time_since_epoch().count() & 0xfffff) << 40;

  // Wait for a leader (a put that is acknowledged); for gets, preload every key so a get
  // returns a value of the put size. A put may fail or be lost while leadership moves
  // (on a loaded machine a slow fsync can look like a dead leader): retry it, with the
  // same value, until the deadline.
  {
    KvClient probe(nodes, id_base, std::chrono::milliseconds(1000));
    const auto give_up = Clock::now() + std::chrono::duration<double>(leader_wait_s);
    auto put_until_ok = [&](const std::string& key, const std::string& value) {
      Request r;
      r.kind = OpKind::Put;
      r.key = key;
      r.value = value;
      while (Clock::now() < give_up)
        if (probe.call(r).type == OutcomeType::Ok) return true;
      return false;
    };
    if (!put_until_ok("probe", "1")) {
      std::cerr << "kv_bench: no leader acknowledged a put within " << leader_wait_s << " s\n";
      return 1;
    }
    for (uint64_t k = 0; op == "get" && k < keys; ++k) {
      if (!put_until_ok(key_of(k), std::string(static_cast<size_t>(value_bytes), 'v'))) {
        std::cerr << "kv_bench: preloading " << key_of(k) << " failed within " << leader_wait_s << " s\n";
        return 1;
      }
    }
  }

  std::vector<ThreadResult> results(static_cast<size_t>(clients));
  std::atomic<bool> go{false}, stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      std::string home;
      if (spread) home = std::next(nodes.begin(), t % static_cast<int>(nodes.size()))->first;
      KvClient client(nodes, id_base + 1 + static_cast<uint64_t>(t), timeout, home);
      ThreadResult& out = results[static_cast<size_t>(t)];
      out.ok_us.reserve(1 << 16);
      const std::string value(static_cast<size_t>(value_bytes), static_cast<char>('a' + t % 26));
      uint64_t k = static_cast<uint64_t>(t) * 7919 % keys;
      while (!go.load()) std::this_thread::yield();
      while (!stop.load(std::memory_order_relaxed)) {
        Request r;
        r.kind = op == "put" ? OpKind::Put : OpKind::Get;
        r.key = key_of(k);
        if (r.kind == OpKind::Put) r.value = value;
        k = (k + 1) % keys;
        const auto begin = Clock::now();
        const auto outcome = client.call(std::move(r));
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - begin);
        if (stop.load(std::memory_order_relaxed)) break;  // ended after the window
        switch (outcome.type) {
          case OutcomeType::Ok:
            out.ok_us.push_back(static_cast<uint32_t>(us.count()));
            ++out.ok_by_node[outcome.node];
            break;
          case OutcomeType::Fail: ++out.fail; break;
          case OutcomeType::Info: ++out.info; break;
        }
      }
    });
  }
  const auto begin = Clock::now();
  go.store(true);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop.store(true);
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
  for (auto& thread : threads) thread.join();

  std::vector<uint32_t> all;
  uint64_t fail = 0, info = 0;
  std::map<std::string, uint64_t> by_node;
  for (const auto& r : results) {
    all.insert(all.end(), r.ok_us.begin(), r.ok_us.end());
    fail += r.fail;
    info += r.info;
    for (const auto& [node, n] : r.ok_by_node) by_node[node] += n;
  }
  std::string answered;  // "n1:123,n2:456"
  for (const auto& [node, n] : by_node) answered += (answered.empty() ? "" : ",") + node + ":" + std::to_string(n);
  std::sort(all.begin(), all.end());
  char line[512];
  std::snprintf(line, sizeof(line),
                "label=%s op=%s clients=%d seconds=%.1f ok=%zu fail=%llu info=%llu ok_per_s=%.0f "
                "p50_ms=%.2f p99_ms=%.2f max_ms=%.1f ok_by_node=%s",
                label.empty() ? "-" : label.c_str(), op.c_str(), clients, elapsed, all.size(),
                static_cast<unsigned long long>(fail), static_cast<unsigned long long>(info),
                static_cast<double>(all.size()) / elapsed, percentile_ms(all, 0.50),
                percentile_ms(all, 0.99), all.empty() ? 0.0 : all.back() / 1000.0,
                answered.empty() ? "-" : answered.c_str());
  std::cout << line << std::endl;
  return all.empty() ? 1 : 0;
}
