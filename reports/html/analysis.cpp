#include "reports/html/analysis.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace faultline::reports::html {

using history::Op;
using history::OpType;

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Ok: return "ok";
    case Outcome::Fail: return "fail";
    case Outcome::Info: return "info";
    case Outcome::Pending: return "pending";
  }
  return "?";
}

int64_t Availability::total() const {
  int64_t n = 0;
  for (int64_t c : outcomes) n += c;
  return n;
}

double Availability::ok_ratio() const {
  const int64_t n = total();
  return n == 0 ? 0.0 : static_cast<double>(outcomes[0]) / static_cast<double>(n);
}

double Availability::ok_per_s() const {
  return seconds <= 0 ? 0.0 : static_cast<double>(outcomes[0]) / seconds;
}

std::vector<FaultWindow> fault_windows(const std::vector<Op>& history) {
  std::vector<FaultWindow> windows;
  struct Current {
    size_t window = 0;
    bool stopped = false;
  };
  std::map<std::string, Current> current;  // by fault
  for (const Op& op : history) {
    if (op.process.is_client() || op.time < 0) continue;
    if (op.f.rfind("start-", 0) == 0) {
      const std::string fault = op.f.substr(6);
      auto it = current.find(fault);
      // The driver writes a requested and an applied op: both belong to one window.
      if (it != current.end() && !it->second.stopped) continue;
      windows.push_back({fault, op.time, -1});
      current[fault] = {windows.size() - 1, false};
    } else if (op.f.rfind("stop-", 0) == 0) {
      auto it = current.find(op.f.substr(5));
      if (it == current.end()) continue;
      windows[it->second.window].stop_ns = op.time;
      it->second.stopped = true;
    } else if (op.f == "heal") {
      for (auto& [fault, cur] : current) {
        if (cur.stopped) continue;
        windows[cur.window].stop_ns = op.time;
        cur.stopped = true;
      }
    }
  }
  return windows;
}

namespace {

std::vector<FaultWindow> windows_from_results(const history::Value& results, bool& found) {
  std::vector<FaultWindow> out;
  found = false;
  if (!results.is_object()) return out;
  auto stats = results.find("stats");
  if (stats == results.end() || !stats->is_object()) return out;
  auto nemesis = stats->find("nemesis");
  if (nemesis == stats->end() || !nemesis->is_array()) return out;
  for (const auto& w : *nemesis) {
    if (!w.is_object()) continue;
    FaultWindow fw;
    fw.fault = w.value("fault", std::string("?"));
    fw.start_ns = w.value("start_ns", int64_t{-1});
    fw.stop_ns = w.value("stop_ns", int64_t{-1});
    if (fw.start_ns >= 0) out.push_back(std::move(fw));
  }
  found = true;
  return out;
}

Outcome outcome_of(OpType type) {
  switch (type) {
    case OpType::Ok: return Outcome::Ok;
    case OpType::Fail: return Outcome::Fail;
    case OpType::Info: return Outcome::Info;
    case OpType::Invoke: break;
  }
  return Outcome::Pending;
}

// Sorted, merged spans [start, stop) clipped to [begin, end].
std::vector<std::pair<int64_t, int64_t>> merged(const std::vector<FaultWindow>& windows,
                                                int64_t begin, int64_t end) {
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (const auto& w : windows) {
    const int64_t a = std::max(w.start_ns, begin);
    const int64_t b = std::min(w.stop_ns < 0 ? end : w.stop_ns, end);
    if (b > a) spans.emplace_back(a, b);
  }
  std::sort(spans.begin(), spans.end());
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& s : spans) {
    if (!out.empty() && s.first <= out.back().second) {
      out.back().second = std::max(out.back().second, s.second);
    } else {
      out.push_back(s);
    }
  }
  return out;
}

double seconds_of(const std::vector<std::pair<int64_t, int64_t>>& spans) {
  int64_t ns = 0;
  for (const auto& s : spans) ns += s.second - s.first;
  return static_cast<double>(ns) / 1e9;
}

bool inside(const std::vector<std::pair<int64_t, int64_t>>& spans, int64_t t) {
  auto it = std::upper_bound(spans.begin(), spans.end(), std::make_pair(t, INT64_MAX));
  if (it == spans.begin()) return false;
  --it;
  return t >= it->first && t < it->second;
}

}  // namespace

RunSummary summarize(const std::vector<Op>& history, const history::Value& results) {
  RunSummary s;
  // Lanes: client processes by id, then named processes other than the nemesis.
  std::map<int64_t, int32_t> client_lane;
  std::unordered_map<int64_t, size_t> pending;  // process -> position in operations
  int64_t max_id = -1;
  bool have_begin = false;
  for (size_t i = 0; i < history.size(); ++i) {
    const Op& op = history[i];
    max_id = std::max(max_id, op_id(op, i));
    if (op.time >= 0) s.end_ns = std::max(s.end_ns, op.time);
    if (!op.process.is_client()) continue;
    if (op.time >= 0 && (!have_begin || op.time < s.begin_ns)) {
      s.begin_ns = op.time;
      have_begin = true;
    }
    client_lane.emplace(op.process.id, 0);
  }
  for (auto& [id, lane] : client_lane) {
    lane = static_cast<int32_t>(s.lanes.size());
    s.lanes.push_back(std::to_string(id));
  }
  s.operation_of_index.assign(static_cast<size_t>(max_id + 1), -1);
  auto map_index = [&](int64_t id, size_t operation) {
    if (id >= 0 && static_cast<size_t>(id) < s.operation_of_index.size())
      s.operation_of_index[static_cast<size_t>(id)] = static_cast<int32_t>(operation);
  };

  for (size_t i = 0; i < history.size(); ++i) {
    const Op& op = history[i];
    if (!op.process.is_client()) continue;
    if (op.type == OpType::Invoke) {
      // A process that invokes again never completed its previous op: it stays Pending.
      Operation o;
      o.invoke = i;
      o.start_ns = op.time;
      o.lane = client_lane[op.process.id];
      s.operations.push_back(o);
      pending[op.process.id] = s.operations.size() - 1;
      map_index(op_id(op, i), s.operations.size() - 1);
      continue;
    }
    auto it = pending.find(op.process.id);
    if (it == pending.end()) continue;  // a completion without an invoke
    Operation& o = s.operations[it->second];
    o.completion = static_cast<int64_t>(i);
    o.outcome = outcome_of(op.type);
    o.end_ns = op.time;
    map_index(op_id(op, i), it->second);
    pending.erase(it);
  }

  bool from_results = false;
  s.windows = windows_from_results(results, from_results);
  if (!from_results) s.windows = fault_windows(history);

  const auto all = merged(s.windows, s.begin_ns, s.end_ns);
  s.inside.seconds = seconds_of(all);
  s.outside.seconds = std::max(0.0, static_cast<double>(s.end_ns - s.begin_ns) / 1e9 - s.inside.seconds);
  std::map<std::string, std::vector<FaultWindow>> per_fault;
  for (const auto& w : s.windows) per_fault[w.fault].push_back(w);
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> per_fault_spans;
  for (const auto& [fault, ws] : per_fault) {
    per_fault_spans[fault] = merged(ws, s.begin_ns, s.end_ns);
    s.by_fault[fault].seconds = seconds_of(per_fault_spans[fault]);
  }

  for (const Operation& o : s.operations) {
    const auto k = static_cast<size_t>(o.outcome);
    s.counts[k] += 1;
    s.counts_by_f[history[o.invoke].f][k] += 1;
    if (o.start_ns < 0) continue;
    (inside(all, o.start_ns) ? s.inside : s.outside).outcomes[k] += 1;
    for (const auto& [fault, spans] : per_fault_spans)
      if (inside(spans, o.start_ns)) s.by_fault[fault].outcomes[k] += 1;
  }
  return s;
}

}  // namespace faultline::reports::html
