// raft_bench: a load generator for a running faultline-raft cluster. It does not start
// the cluster: bench/run_raft_bench.sh does that (and stops it by pid), so a benchmark
// can never leave servers behind. Subcommands:
//   raft_bench ports N          prints N free loopback TCP ports, one per line
//   raft_bench run --nodes n1=127.0.0.1:P,... --op put|get --clients 16 --seconds 10
// `run` waits for a leader (a put that comes back ok), preloads the keys for gets, then
// runs `--clients` threads, each with its own RaftClient, calling back to back for
// `--seconds`. Only ok outcomes count toward throughput and latency; fail and info are
// counted and printed. Prints one line of key=value pairs (the script parses it).
// Exit codes: 0 measured, 1 no leader / nothing ok, 3 bad flags.

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

#include "targets/raft/client/client.h"

namespace {

using faultline::targets::raft::OpKind;
using faultline::targets::raft::Request;
using faultline::targets::raft::client::OutcomeType;
using faultline::targets::raft::client::RaftClient;
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
      std::perror("raft_bench ports");
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
  CLI::App app{"raft_bench: put/get throughput and latency against a faultline-raft cluster"};
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
  run->add_option("--clients", clients, "client threads, one RaftClient each")->capture_default_str();
  run->add_option("--seconds", seconds, "measured duration")->capture_default_str();
  run->add_option("--keys", keys, "keys k0..kN-1, chosen round robin per client")->capture_default_str();
  run->add_option("--value-bytes", value_bytes, "put value size")->capture_default_str();
  run->add_option("--timeout-ms", timeout_ms, "per call, retries included")->capture_default_str();
  run->add_option("--leader-wait", leader_wait_s, "seconds to wait for a leader")->capture_default_str();
  run->add_option("--label", label, "copied to the output line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 3;
  }
  if (ports->parsed()) return print_free_ports(port_count);
  if (clients <= 0 || seconds <= 0 || keys == 0) {
    std::cerr << "raft_bench: --clients, --seconds and --keys must be positive\n";
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
      std::cerr << "raft_bench: --nodes: expected NAME=HOST:PORT, got '" << item << "'\n";
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

  // Wait for a leader: a put that is acknowledged.
  {
    RaftClient probe(nodes, id_base, std::chrono::milliseconds(1000));
    const auto give_up = Clock::now() + std::chrono::duration<double>(leader_wait_s);
    bool ready = false;
    while (!ready && Clock::now() < give_up) {
      Request r;
      r.kind = OpKind::Put;
      r.key = "probe";
      r.value = "1";
      ready = probe.call(r).type == OutcomeType::Ok;
    }
    if (!ready) {
      std::cerr << "raft_bench: no leader acknowledged a put within " << leader_wait_s << " s\n";
      return 1;
    }
    if (op == "get") {
      // Every key read exists, so a get returns a value of the put size.
      for (uint64_t k = 0; k < keys; ++k) {
        Request r;
        r.kind = OpKind::Put;
        r.key = key_of(k);
        r.value = std::string(static_cast<size_t>(value_bytes), 'v');
        if (probe.call(r).type != OutcomeType::Ok) {
          std::cerr << "raft_bench: preloading " << r.key << " failed\n";
          return 1;
        }
      }
    }
  }

  std::vector<ThreadResult> results(static_cast<size_t>(clients));
  std::atomic<bool> go{false}, stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      RaftClient client(nodes, id_base + 1 + static_cast<uint64_t>(t), timeout);
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
          case OutcomeType::Ok: out.ok_us.push_back(static_cast<uint32_t>(us.count())); break;
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
  for (const auto& r : results) {
    all.insert(all.end(), r.ok_us.begin(), r.ok_us.end());
    fail += r.fail;
    info += r.info;
  }
  std::sort(all.begin(), all.end());
  char line[512];
  std::snprintf(line, sizeof(line),
                "label=%s op=%s clients=%d seconds=%.1f ok=%zu fail=%llu info=%llu ok_per_s=%.0f "
                "p50_ms=%.2f p99_ms=%.2f max_ms=%.1f",
                label.empty() ? "-" : label.c_str(), op.c_str(), clients, elapsed, all.size(),
                static_cast<unsigned long long>(fail), static_cast<unsigned long long>(info),
                static_cast<double>(all.size()) / elapsed, percentile_ms(all, 0.50),
                percentile_ms(all, 0.99), all.empty() ? 0.0 : all.back() / 1000.0);
  std::cout << line << std::endl;
  return all.empty() ? 1 : 0;
}
