#include "bench/history_gen.h"

#include <map>
#include <queue>
#include <vector>

#include "base/random.h"

namespace faultline::bench {
namespace {

using history::Op;
using history::OpType;
using history::Value;

enum class Ev : uint8_t { Invoke, Apply, Complete };

struct Event {
  int64_t time;
  int64_t seq;  // tie-break: deterministic order at equal times
  Ev kind;
  int process;
  bool operator>(const Event& o) const { return time != o.time ? time > o.time : seq > o.seq; }
};

struct Client {
  int64_t id = 0;
  Op invoke;
  int key = 0;
  bool timed_out = false;
  bool applied = false;
  bool failed = false;
  Value result;
};

}  // namespace

int64_t generate_history(const GenSpec& spec, const std::function<void(const Op&)>& sink) {
  base::Random rnd(spec.seed);
  const bool kv = spec.shape == "kv";
  const bool append = spec.shape == "append";
  const bool cas = spec.shape == "cas-register" || kv;
  const int keys = kv ? spec.keys : 1;
  std::vector<Value> state(static_cast<size_t>(keys), append ? Value(spec.string_append ? Value("") : Value::array()) : Value(0));
  std::vector<std::vector<Value>> past(static_cast<size_t>(keys));  // for stale reads
  std::vector<Client> clients(static_cast<size_t>(spec.processes));
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  int64_t seq = 0, issued = 0, emitted = 0, element = 0;
  for (int p = 0; p < spec.processes; ++p) {
    clients[static_cast<size_t>(p)].id = p;
    events.push(Event{rnd.between(0, 1'000'000), seq++, Ev::Invoke, p});
  }
  auto emit = [&](Op op, int64_t time) {
    op.time = time;
    op.index = emitted++;
    sink(op);
  };
  const int64_t kTimeout = 20'000'000;

  while (!events.empty()) {
    const Event e = events.top();
    events.pop();
    Client& c = clients[static_cast<size_t>(e.process)];
    switch (e.kind) {
      case Ev::Invoke: {
        if (issued >= spec.ops) break;
        ++issued;
        c.invoke = Op{};
        c.invoke.process = history::Process::client(c.id);
        c.invoke.type = OpType::Invoke;
        c.key = kv ? static_cast<int>(rnd.below(static_cast<uint64_t>(keys))) : 0;
        if (kv || append) c.invoke.key = Value("k" + std::to_string(c.key));
        if (append) {
          if (rnd.chance(spec.read_rate)) {
            c.invoke.f = "read";
          } else {
            c.invoke.f = "append";
            c.invoke.value = spec.string_append ? Value("e" + std::to_string(element++) + ",")
                                                : Value(element++);
          }
        } else {
          const uint64_t kind = rnd.below(cas ? 3 : 2);
          if (kind == 0) {
            c.invoke.f = "read";
          } else if (kind == 1) {
            c.invoke.f = "write";
            c.invoke.value = rnd.between(0, spec.values - 1);
          } else {
            c.invoke.f = "cas";
            c.invoke.value = Value::array({rnd.between(0, spec.values - 1), rnd.between(0, spec.values - 1)});
          }
        }
        c.timed_out = rnd.chance(spec.info_rate);
        c.applied = c.failed = false;
        emit(c.invoke, e.time);
        // A timed-out op takes effect (or not) somewhere before the timeout fires.
        const int64_t latency = c.timed_out ? kTimeout : rnd.between(200'000, 5'000'000);
        if (!c.timed_out || rnd.chance(0.5)) {
          events.push(Event{e.time + rnd.between(1, latency - 1), seq++, Ev::Apply, e.process});
        }
        events.push(Event{e.time + latency, seq++, Ev::Complete, e.process});
        break;
      }
      case Ev::Apply: {
        Value& s = state[static_cast<size_t>(c.key)];
        const std::string& f = c.invoke.f;
        if (f == "read") {
          c.result = s;
          auto& old = past[static_cast<size_t>(c.key)];
          if (!old.empty() && rnd.chance(spec.anomaly_rate)) c.result = old[rnd.below(old.size())];
        } else if (f == "write") {
          past[static_cast<size_t>(c.key)].push_back(s);
          s = c.invoke.value;
        } else if (f == "cas") {
          if (s == c.invoke.value[0]) {
            past[static_cast<size_t>(c.key)].push_back(s);
            s = c.invoke.value[1];
          } else {
            c.failed = true;
          }
        } else if (f == "append") {
          past[static_cast<size_t>(c.key)].push_back(s);
          if (s.is_string()) {
            s = s.get<std::string>() + c.invoke.value.get<std::string>();
          } else {
            s.push_back(c.invoke.value);
          }
        }
        c.applied = !c.failed;
        break;
      }
      case Ev::Complete: {
        Op done = c.invoke;
        if (c.timed_out) {
          done.type = OpType::Info;
          if (done.f == "read") done.value = Value();
          c.id += spec.processes;  // Jepsen: a new process after info
        } else if (c.failed) {
          done.type = OpType::Fail;
        } else {
          done.type = OpType::Ok;
          if (done.f == "read") done.value = c.result;
        }
        emit(done, e.time);
        events.push(Event{e.time + rnd.between(0, 1'000'000), seq++, Ev::Invoke, e.process});
        break;
      }
    }
  }
  return emitted;
}

}  // namespace faultline::bench
