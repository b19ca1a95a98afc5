#include "checkers/stats/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <unordered_map>

namespace faultline::checkers::stats {

namespace {

using history::Op;
using history::OpType;
using history::Value;

constexpr int64_t kNoTime = -1;

// Latencies of one f and outcome, in ns, collected before the percentiles are taken.
struct Samples {
  int64_t count = 0;
  std::vector<int64_t> latencies;

  void add(int64_t latency_ns) {
    ++count;
    if (latency_ns != kNoTime) latencies.push_back(latency_ns);
  }
};

struct FSamples {
  Samples ok, fail, info;
};

double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

// Nearest rank: the ceil(p/100 * n)-th smallest of n sorted values.
int64_t percentile(const std::vector<int64_t>& sorted, double p) {
  const auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * n));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

Latency summarize(Samples& s) {
  Latency l;
  l.count = s.count;
  l.timed = static_cast<int64_t>(s.latencies.size());
  if (s.latencies.empty()) return l;
  std::sort(s.latencies.begin(), s.latencies.end());
  double sum = 0;
  for (int64_t v : s.latencies) sum += static_cast<double>(v);
  l.p50_ms = ms(percentile(s.latencies, 50));
  l.p95_ms = ms(percentile(s.latencies, 95));
  l.p99_ms = ms(percentile(s.latencies, 99));
  l.max_ms = ms(s.latencies.back());
  l.mean_ms = sum / static_cast<double>(s.latencies.size()) / 1e6;
  return l;
}

int64_t latency(const Op& invoke, const Op& completion) {
  if (invoke.time < 0 || completion.time < 0 || completion.time < invoke.time) return kNoTime;
  return completion.time - invoke.time;
}

// Tracks fault windows from the nemesis's ops.
class Windows {
 public:
  void add(const Op& op) {
    if (op.time < 0) return;
    if (op.f == "heal") {
      for (auto& [fault, i] : open_) windows_[i].stop_ns = op.time;
      open_.clear();
      return;
    }
    constexpr std::string_view kStart = "start-", kStop = "stop-";
    const std::string_view f = op.f;
    if (f.starts_with(kStart)) {
      std::string fault(f.substr(kStart.size()));
      if (open_.count(fault) != 0) return;  // the applied op of a start
      open_[fault] = windows_.size();
      last_[fault] = windows_.size();
      windows_.push_back(NemesisWindow{std::move(fault), op.time, -1});
    } else if (f.starts_with(kStop)) {
      const std::string fault(f.substr(kStop.size()));
      if (auto it = open_.find(fault); it != open_.end()) {
        windows_[it->second].stop_ns = op.time;
        open_.erase(it);
      } else if (auto last = last_.find(fault); last != last_.end()) {
        windows_[last->second].stop_ns = op.time;  // the applied op of a stop
      }
    }
  }
  std::vector<NemesisWindow> take() { return std::move(windows_); }

 private:
  std::vector<NemesisWindow> windows_;
  std::map<std::string, size_t> open_;  // fault -> its open window
  std::map<std::string, size_t> last_;  // fault -> its latest window
};

}  // namespace

StatsResult compute_stats(const std::vector<Op>& history) {
  StatsResult result;
  std::map<std::string, FSamples> by_f;
  Samples all_ok;
  std::unordered_map<int64_t, const Op*> pending;  // by process
  Windows windows;
  int64_t first = std::numeric_limits<int64_t>::max(), last = kNoTime;

  auto never_completed = [&](const Op& invoke) { by_f[invoke.f].info.add(kNoTime); };

  for (const Op& op : history) {
    if (!op.process.is_client()) {
      windows.add(op);
      continue;
    }
    if (op.time >= 0) {
      first = std::min(first, op.time);
      last = std::max(last, op.time);
    }
    if (op.type == OpType::Invoke) {
      ++result.operations;
      auto [it, inserted] = pending.try_emplace(op.process.id, &op);
      if (!inserted) {
        never_completed(*it->second);
        it->second = &op;
      }
      continue;
    }
    auto it = pending.find(op.process.id);
    if (it == pending.end()) continue;  // a stray completion
    const Op& invoke = *it->second;
    pending.erase(it);
    const int64_t l = latency(invoke, op);
    FSamples& s = by_f[invoke.f];
    switch (op.type) {
      case OpType::Ok:
        s.ok.add(l);
        all_ok.add(l);
        break;
      case OpType::Fail: s.fail.add(l); break;
      case OpType::Info: s.info.add(l); break;
      case OpType::Invoke: break;
    }
  }
  for (const auto& [process, invoke] : pending) never_completed(*invoke);

  if (last >= first) result.duration_s = static_cast<double>(last - first) / 1e9;
  auto per_s = [&](int64_t n) {
    return result.duration_s > 0 ? static_cast<double>(n) / result.duration_s : 0.0;
  };
  for (auto& [f, s] : by_f) {
    FStats fs;
    fs.ok = summarize(s.ok);
    fs.fail = summarize(s.fail);
    fs.info = summarize(s.info);
    fs.ok_per_s = per_s(fs.ok.count);
    result.by_f.emplace(f, fs);
  }
  result.all_ok = summarize(all_ok);
  result.ok_per_s = per_s(result.all_ok.count);
  result.nemesis = windows.take();
  if (result.operations == 0) result.verdict = Verdict::Unknown;
  return result;
}

namespace {

Value latency_json(const Latency& l) {
  return Value{{"count", l.count},   {"timed", l.timed},   {"p50_ms", l.p50_ms},
               {"p95_ms", l.p95_ms}, {"p99_ms", l.p99_ms}, {"max_ms", l.max_ms},
               {"mean_ms", l.mean_ms}};
}

}  // namespace

Value to_json(const StatsResult& r) {
  Value j;
  j["checker"] = "stats";
  j["verdict"] = std::string(to_string(r.verdict));
  if (r.operations == 0) j["reason"] = "the history holds no client operation";
  j["operations"] = r.operations;
  j["duration_s"] = r.duration_s;
  j["ok_per_s"] = r.ok_per_s;
  j["all_ok"] = latency_json(r.all_ok);
  j["by_f"] = Value::object();
  for (const auto& [f, s] : r.by_f) {
    j["by_f"][f] = {{"ok", latency_json(s.ok)},
                    {"fail", latency_json(s.fail)},
                    {"info", latency_json(s.info)},
                    {"ok_per_s", s.ok_per_s}};
  }
  j["nemesis"] = Value::array();
  for (const NemesisWindow& w : r.nemesis) {
    j["nemesis"].push_back({{"fault", w.fault}, {"start_ns", w.start_ns}, {"stop_ns", w.stop_ns}});
  }
  return j;
}

}  // namespace faultline::checkers::stats
