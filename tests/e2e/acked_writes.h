#pragma once
// AckedWrites: what a smoke test of a key-value target (Raft, ZAB) saw acknowledged,
// through the shared KvClient, and the checks on it: put until one is acknowledged (a
// leader serves), concurrent writers, every acknowledged put read back with its value
// (optionally answered by one given node). Thread-safe: concurrent writers record from
// their own threads; failures of reader threads are reported from the calling thread.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "targets/common/kv_client.h"

namespace faultline::tests {

using targets::common::KvClient;
using targets::common::Outcome;
using targets::common::OutcomeType;
using KvClock = std::chrono::steady_clock;

inline targets::common::Request kv_put(std::string key, std::string value) {
  targets::common::Request r;
  r.kind = targets::common::OpKind::Put;
  r.key = std::move(key);
  r.value = std::move(value);
  return r;
}

inline targets::common::Request kv_get(std::string key) {
  targets::common::Request r;
  r.kind = targets::common::OpKind::Get;
  r.key = std::move(key);
  return r;
}

class AckedWrites {
 public:
  // The clients of the test itself use ids below 1000.
  // Puts until one is acknowledged and records it; returns the seconds it took, or -1
  // (and a test failure) when `limit` passes first.
  double put_until_ok(KvClient& client, const std::string& key, const std::string& value,
                      std::chrono::milliseconds limit) {
    const auto start = KvClock::now();
    while (KvClock::now() - start < limit) {
      if (client.call(kv_put(key, value)).type == OutcomeType::Ok) {
        record(key, value);
        return std::chrono::duration<double>(KvClock::now() - start).count();
      }
    }
    ADD_FAILURE() << "no put of " << key << " acknowledged within " << limit.count() << " ms";
    return -1;
  }

  // `writers` threads, each with its own client, put distinct keys back to back for
  // `duration`. Returns how many calls ended in info.
  int write_concurrently(const std::map<std::string, std::string>& nodes, int writers,
                         std::chrono::milliseconds duration) {
    std::atomic<int> infos{0};
    std::vector<std::thread> threads;
    const auto until = KvClock::now() + duration;
    for (int t = 0; t < writers; ++t) {
      threads.emplace_back([&, t] {
        KvClient writer(nodes, next_client_id_++, std::chrono::milliseconds(1000));
        for (int n = 0; KvClock::now() < until; ++n) {
          const std::string key = "w" + std::to_string(t) + "-" + std::to_string(n);
          const Outcome outcome = writer.call(kv_put(key, std::to_string(n)));
          if (outcome.type == OutcomeType::Info) ++infos;
          if (outcome.type == OutcomeType::Ok) record(key, std::to_string(n));
        }
      });
    }
    for (auto& thread : threads) thread.join();
    return infos.load();
  }

  // Every acknowledged put reads back with its value, each within 5 attempts, read by
  // `readers` threads with a client each, so reads that cost a round through the leader
  // overlap. With `answered_by`, the clients are bound to that node and only its own
  // answers count.
  void expect_all_readable(const std::map<std::string, std::string>& nodes, int readers,
                           const std::string& answered_by = {}) {
    std::vector<std::pair<std::string, std::string>> writes;
    {
      std::lock_guard lock(mu_);
      writes.assign(acked_.begin(), acked_.end());
    }
    std::mutex mu;
    std::vector<std::string> failures;
    std::vector<std::thread> threads;
    for (int r = 0; r < readers; ++r) {
      threads.emplace_back([&, r] {
        KvClient client(nodes, next_client_id_++, std::chrono::milliseconds(1000), answered_by);
        for (size_t i = static_cast<size_t>(r); i < writes.size(); i += static_cast<size_t>(readers)) {
          const auto& [key, value] = writes[i];
          Outcome outcome;
          for (int attempt = 0; attempt < 5; ++attempt) {
            outcome = client.call(kv_get(key));
            if (outcome.type == OutcomeType::Ok && (answered_by.empty() || outcome.node == answered_by)) break;
          }
          std::string failure;
          if (outcome.type != OutcomeType::Ok) {
            failure = "get " + key + ": " + outcome.error;
          } else if (!answered_by.empty() && outcome.node != answered_by) {
            failure = "get " + key + " answered by " + outcome.node + ", not " + answered_by;
          } else if (!outcome.reply.value) {
            failure = "acknowledged put of " + key + " lost";
          } else if (*outcome.reply.value != value) {
            failure = "get " + key + " = " + *outcome.reply.value + ", acknowledged " + value;
          }
          if (!failure.empty()) {
            std::lock_guard lock(mu);
            failures.push_back(failure);
            return;  // one per reader is enough
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& failure : failures) ADD_FAILURE() << failure;
    std::cerr << "read back " << writes.size() << " acknowledged puts"
              << (answered_by.empty() ? "" : " from " + answered_by) << " with " << readers << " readers\n";
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return acked_.size();
  }

 private:
  void record(const std::string& key, const std::string& value) {
    std::lock_guard lock(mu_);
    acked_[key] = value;
  }

  mutable std::mutex mu_;
  std::map<std::string, std::string> acked_;
  // Every client made here gets a fresh id: servers that put reads in the log (Raft's
  // log reads) answer a repeated (client id, seq) from their de-duplication table.
  std::atomic<uint64_t> next_client_id_{1000};
};

}  // namespace faultline::tests
