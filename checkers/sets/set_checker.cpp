#include "checkers/sets/set_checker.h"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <utility>

namespace faultline::checkers::sets {

namespace {

using history::Op;
using history::OpType;
using history::Value;

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

struct Element {
  Value value;
  int64_t ack_pos = kNever;  // position of the earliest ok of an add of it
  int32_t attempts = 0;      // adds invoked
  int32_t fails = 0;         // adds that ended fail
  bool indeterminate = false;  // some add ended info or never completed
  bool read = false;           // in some ok read
  bool in_final = false;
};

struct Read {
  int64_t invoke_pos = 0;
  int64_t index = -1;
  int64_t line = 0;
  size_t begin = 0, end = 0;  // its elements: KeyState::read_elements[begin, end)
};

// Everything known about one key. Elements get dense ids. Integers are looked up by
// value: small non-negative ones (workloads add 0, 1, 2, ...) in a direct table, the
// rest in a hash map; anything else by its JSON text. So a million-element set needs
// neither JSON text nor a hash lookup per element read.
struct KeyState {
  Value key;
  std::vector<int32_t> direct;  // element id by value, -1: none; kept at least 1/4 full
  std::unordered_map<int64_t, int32_t> int_ids;
  std::unordered_map<std::string, int32_t> text_ids;
  std::vector<Element> elements;
  std::vector<Read> reads;  // ok reads, in the order of their ok
  std::vector<int32_t> read_elements;
  int64_t attempted = 0;
  int64_t acknowledged = 0;

  int32_t element_id(const Value& v) {
    if (v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0)) {
      const auto u = v.get<uint64_t>();
      if (u < direct.size() && direct[u] >= 0) return direct[u];
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return int_id(static_cast<int64_t>(u), v);
      }
    } else if (v.is_number_integer()) {
      return int_id(v.get<int64_t>(), v);
    }
    auto [it, inserted] = text_ids.try_emplace(history::to_text(v), next_id());
    if (inserted) elements.push_back(Element{v});
    return it->second;
  }

 private:
  int32_t next_id() const { return static_cast<int32_t>(elements.size()); }

  int32_t int_id(int64_t x, const Value& v) {
    const auto u = static_cast<uint64_t>(x);
    if (x >= 0 && u >= direct.size() && u < 4 * (elements.size() + 1024)) grow_direct(u + 1);
    if (x >= 0 && u < direct.size()) {
      if (direct[u] >= 0) return direct[u];  // moved here from the hash map by the growth
      direct[u] = next_id();
    } else {
      auto [it, inserted] = int_ids.try_emplace(x, next_id());
      if (!inserted) return it->second;
    }
    elements.push_back(Element{v});
    return next_id() - 1;
  }

  // Grows the table to at least `size` entries and moves the hash map's entries that
  // now fit into it, so every value is in exactly one place.
  void grow_direct(uint64_t size) {
    direct.resize(std::max<uint64_t>(size, 2 * direct.size()), -1);
    for (auto it = int_ids.begin(); it != int_ids.end();) {
      if (it->first >= 0 && static_cast<uint64_t>(it->first) < direct.size()) {
        direct[static_cast<uint64_t>(it->first)] = it->second;
        it = int_ids.erase(it);
      } else {
        ++it;
      }
    }
  }
};

struct Pending {
  const Op* invoke = nullptr;
  int64_t pos = 0;
  int32_t key = 0;
  int32_t element = -1;  // adds only
};

std::string at_line(const Op& op) { return "line " + std::to_string(op.line) + ": "; }

bool value_less(const Value& a, const Value& b) { return a < b; }

std::vector<Value> sorted_values(const KeyState& k, const std::vector<int32_t>& ids) {
  std::vector<Value> out;
  out.reserve(ids.size());
  for (int32_t id : ids) out.push_back(k.elements[static_cast<size_t>(id)].value);
  std::sort(out.begin(), out.end(), value_less);
  return out;
}

// Reads that miss an element acknowledged before they were invoked and present in the
// final read. An element qualifies for read R when ack_pos < R.invoke_pos, so with the
// qualifying elements sorted by ack_pos, R must hold a prefix of them: count R's
// qualifying elements and compare with the prefix length (O(|R| + log n) per read).
void find_stale_reads(const KeyState& k, KeySetResult& out) {
  std::vector<std::pair<int64_t, int32_t>> acked;  // (ack_pos, element), in final read
  for (size_t i = 0; i < k.elements.size(); ++i) {
    const Element& e = k.elements[i];
    if (e.in_final && e.ack_pos != kNever) acked.emplace_back(e.ack_pos, static_cast<int32_t>(i));
  }
  std::sort(acked.begin(), acked.end());
  if (acked.empty()) return;
  std::vector<uint32_t> stamp(k.elements.size(), 0);
  uint32_t epoch = 0;
  for (const Read& r : k.reads) {
    const auto bound = static_cast<size_t>(
        std::lower_bound(acked.begin(), acked.end(), std::make_pair(r.invoke_pos, int32_t{-1})) -
        acked.begin());
    if (bound == 0) continue;
    ++epoch;
    size_t seen = 0;
    for (size_t i = r.begin; i < r.end; ++i) {
      const auto id = static_cast<size_t>(k.read_elements[i]);
      if (stamp[id] == epoch) continue;
      stamp[id] = epoch;
      const Element& e = k.elements[id];
      if (e.in_final && e.ack_pos < r.invoke_pos) ++seen;
    }
    if (seen == bound) continue;
    ++out.stale_reads;
    if (out.stale.size() >= KeySetResult::kMaxStaleReported) continue;
    StaleRead s;
    s.read_index = r.index;
    s.line = r.line;
    s.missing_count = static_cast<int64_t>(bound - seen);
    std::vector<int32_t> missing;
    for (size_t i = 0; i < bound && missing.size() < StaleRead::kMaxMissingReported; ++i) {
      const int32_t id = acked[i].second;
      if (stamp[static_cast<size_t>(id)] != epoch) missing.push_back(id);
    }
    s.missing = sorted_values(k, missing);
    out.stale.push_back(std::move(s));
  }
}

KeySetResult check_key(KeyState& k) {
  KeySetResult out;
  out.key = k.key;
  out.attempted = k.attempted;
  out.acknowledged = k.acknowledged;
  out.reads = static_cast<int64_t>(k.reads.size());
  if (k.reads.empty()) {
    if (k.attempted > 0) {
      out.verdict = Verdict::Unknown;
      out.reason = "no ok read of this key, so no add can be confirmed";
    }
    return out;
  }
  const Read& final_read = k.reads.back();
  out.final_read_index = final_read.index;
  for (size_t i = final_read.begin; i < final_read.end; ++i) {
    Element& e = k.elements[static_cast<size_t>(k.read_elements[i])];
    if (!e.in_final) ++out.final_size;
    e.in_final = true;
  }

  std::vector<int32_t> lost, phantom, failed_read, recovered, unrecovered, late;
  for (size_t i = 0; i < k.elements.size(); ++i) {
    const Element& e = k.elements[i];
    const auto id = static_cast<int32_t>(i);
    if (e.ack_pos != kNever) {
      if (e.in_final) continue;
      (e.ack_pos < final_read.invoke_pos ? lost : late).push_back(id);
    } else if (e.indeterminate) {
      (e.in_final ? recovered : unrecovered).push_back(id);
    } else if (e.attempts == 0) {
      if (e.read) phantom.push_back(id);
    } else if (e.read) {  // every add of it failed
      failed_read.push_back(id);
    }
  }
  out.lost = sorted_values(k, lost);
  out.phantom = sorted_values(k, phantom);
  out.failed_read = sorted_values(k, failed_read);
  out.recovered = sorted_values(k, recovered);
  out.unrecovered = sorted_values(k, unrecovered);
  out.late = sorted_values(k, late);
  find_stale_reads(k, out);

  if (!lost.empty() || !phantom.empty() || !failed_read.empty() || out.stale_reads > 0) {
    out.verdict = Verdict::Invalid;
  } else if (!late.empty()) {
    out.verdict = Verdict::Unknown;
    out.reason = std::to_string(late.size()) +
                 " acknowledged element(s) were acknowledged only after the final read "
                 "began and are not in it";
  }
  return out;
}

}  // namespace

base::Result<SetResult> check_set(const std::vector<Op>& history) {
  std::unordered_map<std::string, int32_t> key_ids;
  std::vector<KeyState> keys;
  std::unordered_map<int64_t, Pending> pending;  // by process

  auto key_id = [&](const Op& op) {
    const Value& key = op.key ? *op.key : Value();
    auto [it, inserted] = key_ids.try_emplace(history::to_text(key), int32_t{0});
    if (inserted) {
      it->second = static_cast<int32_t>(keys.size());
      keys.emplace_back();
      keys.back().key = key;
    }
    return it->second;
  };

  for (size_t i = 0; i < history.size(); ++i) {
    const Op& op = history[i];
    const auto pos = static_cast<int64_t>(i);
    if (!op.process.is_client()) continue;
    const int64_t process = op.process.id;

    if (op.type == OpType::Invoke) {
      if (auto it = pending.find(process); it != pending.end()) {
        return base::Error{at_line(op) + "process " + std::to_string(process) + " invoked \"" +
                           op.f + "\" while its op from line " +
                           std::to_string(it->second.invoke->line) + " is still pending"};
      }
      if (op.f != "add" && op.f != "read") {
        pending.emplace(process, Pending{&op, pos, -1, -1});
        continue;
      }
      Pending p{&op, pos, key_id(op), -1};
      if (op.f == "add") {
        if (op.value.is_null()) {
          return base::Error{at_line(op) + "an add needs a value (the element to add), got null"};
        }
        KeyState& k = keys[static_cast<size_t>(p.key)];
        p.element = k.element_id(op.value);
        ++k.elements[static_cast<size_t>(p.element)].attempts;
        ++k.attempted;
      }
      pending.emplace(process, p);
      continue;
    }

    auto it = pending.find(process);
    if (it == pending.end()) {
      if (op.type == OpType::Info) continue;  // Jepsen's info for a crashed process
      return base::Error{at_line(op) + "\"" + std::string(history::to_string(op.type)) +
                         "\" for process " + std::to_string(process) +
                         ", which has no pending invoke"};
    }
    const Pending p = it->second;
    pending.erase(it);
    if (p.invoke->f != op.f) {
      return base::Error{at_line(op) + "completion \"" + op.f + "\" does not match the invoke \"" +
                         p.invoke->f + "\" of line " + std::to_string(p.invoke->line)};
    }
    if (p.key < 0) continue;  // not an add or a read
    KeyState& k = keys[static_cast<size_t>(p.key)];

    if (op.f == "add") {
      Element& e = k.elements[static_cast<size_t>(p.element)];
      switch (op.type) {
        case OpType::Ok:
          ++k.acknowledged;
          e.ack_pos = std::min(e.ack_pos, pos);
          break;
        case OpType::Fail: ++e.fails; break;
        case OpType::Info: e.indeterminate = true; break;
        case OpType::Invoke: break;
      }
      continue;
    }
    // A read: only an ok read tells anything.
    if (op.type != OpType::Ok) continue;
    if (!op.value.is_array()) {
      return base::Error{at_line(op) + "an ok read needs a list of elements as its value, got " +
                         history::to_text(op.value)};
    }
    Read r;
    r.invoke_pos = p.pos;
    r.index = p.invoke->index;
    r.line = p.invoke->line;
    r.begin = k.read_elements.size();
    for (const Value& v : op.value) {
      const int32_t id = k.element_id(v);
      k.elements[static_cast<size_t>(id)].read = true;
      k.read_elements.push_back(id);
    }
    r.end = k.read_elements.size();
    k.reads.push_back(r);
  }
  // Adds that never completed may take effect at any time, or never.
  for (const auto& [process, p] : pending) {
    if (p.element >= 0) keys[static_cast<size_t>(p.key)].elements[static_cast<size_t>(p.element)]
                            .indeterminate = true;
  }

  SetResult result;
  if (keys.empty()) {
    result.verdict = Verdict::Unknown;
    result.reason = "the history holds no add or read";
    return result;
  }
  std::vector<size_t> order(keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return value_less(keys[a].key, keys[b].key); });
  for (size_t i : order) {
    KeySetResult kr = check_key(keys[i]);
    keys[i] = KeyState();  // free the key's state early
    result.verdict = combine(result.verdict, kr.verdict);
    result.lost += static_cast<int64_t>(kr.lost.size());
    result.phantom += static_cast<int64_t>(kr.phantom.size());
    result.failed_read += static_cast<int64_t>(kr.failed_read.size());
    result.stale_reads += kr.stale_reads;
    result.recovered += static_cast<int64_t>(kr.recovered.size());
    result.unrecovered += static_cast<int64_t>(kr.unrecovered.size());
    result.late += static_cast<int64_t>(kr.late.size());
    result.attempted += kr.attempted;
    result.acknowledged += kr.acknowledged;
    result.keys.push_back(std::move(kr));
  }
  return result;
}

namespace {

Value capped(const std::vector<Value>& values) {
  Value out = Value::array();
  for (size_t i = 0; i < values.size() && i < kMaxListedInJson; ++i) out.push_back(values[i]);
  return out;
}

Value element_list(const std::vector<Value>& values) {
  return Value{{"count", values.size()}, {"elements", capped(values)}};
}

}  // namespace

Value to_json(const SetResult& r) {
  Value j;
  j["checker"] = "set";
  j["verdict"] = std::string(to_string(r.verdict));
  if (!r.reason.empty()) j["reason"] = r.reason;
  j["attempted"] = r.attempted;
  j["acknowledged"] = r.acknowledged;
  j["lost"] = r.lost;
  j["phantom"] = r.phantom;
  j["failed_read"] = r.failed_read;
  j["stale_reads"] = r.stale_reads;
  j["recovered"] = r.recovered;
  j["unrecovered"] = r.unrecovered;
  j["late"] = r.late;
  j["keys"] = Value::array();
  for (const KeySetResult& k : r.keys) {
    Value kj = {{"key", k.key},
                {"verdict", std::string(to_string(k.verdict))},
                {"attempted", k.attempted},
                {"acknowledged", k.acknowledged},
                {"reads", k.reads},
                {"final_size", k.final_size},
                {"final_read_index", k.final_read_index},
                {"lost", element_list(k.lost)},
                {"phantom", element_list(k.phantom)},
                {"failed_read", element_list(k.failed_read)},
                {"recovered", element_list(k.recovered)},
                {"unrecovered", element_list(k.unrecovered)},
                {"late", element_list(k.late)},
                {"stale_reads", k.stale_reads}};
    if (!k.reason.empty()) kj["reason"] = k.reason;
    Value stale = Value::array();
    for (const StaleRead& s : k.stale) {
      stale.push_back({{"read_index", s.read_index},
                       {"line", s.line},
                       {"missing_count", s.missing_count},
                       {"missing", s.missing}});
    }
    kj["stale"] = std::move(stale);
    j["keys"].push_back(std::move(kj));
  }
  return j;
}

}  // namespace faultline::checkers::sets
