// The fast checker against the brute-force reference on thousands of seeded random
// small histories: concurrent processes, info ops, invokes that never complete,
// failed ops, and values corrupted on purpose so that many are not linearizable.

#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "base/random.h"
#include "checkers/linearizable/checker.h"
#include "checkers/linearizable/test/brute_force.h"

namespace faultline::checkers::linearizable {
namespace {

using history::Op;
using history::OpType;
using history::Value;
using testing::BruteForce;
using testing::RefOp;

// Simulates up to 8 operations of 2-4 concurrent processes against a real object of
// the model, each taking effect at a random instant inside its interval (or failing,
// or ending in info, or never completing), then corrupts a result now and then so
// that many histories are not linearizable.
std::vector<Op> generate(const std::string& model, uint64_t seed, const Value& initial) {
  base::Random rnd(seed);
  const int processes = static_cast<int>(rnd.between(2, 4));
  const int max_ops = static_cast<int>(rnd.between(3, 8));
  struct InFlight {
    bool active = false;
    bool applied = false;
    bool failed = false;  // took no effect, definitely
    Op invoke;
    Value result;
  };
  std::vector<InFlight> procs(static_cast<size_t>(processes));
  std::vector<int64_t> ids(static_cast<size_t>(processes));
  for (int p = 0; p < processes; ++p) ids[static_cast<size_t>(p)] = p;
  Value state = model == "mutex" ? Value(false) : initial;
  std::vector<Op> events;
  int issued = 0;
  int next_element = 1;

  auto emit = [&](Op op) {
    op.line = static_cast<int64_t>(events.size()) + 1;
    op.index = static_cast<int64_t>(events.size());
    events.push_back(std::move(op));
  };
  auto choose_op = [&](Op& op) {
    if (model == "mutex") {
      op.f = rnd.chance(0.5) ? "acquire" : "release";
      return;
    }
    const int kinds = model == "register" || model == "append" ? 2 : 3;
    const int kind = static_cast<int>(rnd.below(static_cast<uint64_t>(kinds)));
    if (model == "append") {
      op.f = kind == 0 ? "read" : "append";
      op.value = kind == 0 ? Value() : Value(next_element++);
    } else if (kind == 0) {
      op.f = "read";
    } else if (kind == 1) {
      op.f = "write";
      op.value = rnd.between(0, 2);
    } else {
      op.f = "cas";
      op.value = Value::array({rnd.between(0, 2), rnd.between(0, 2)});
    }
  };

  for (int guard = 0; guard < 200; ++guard) {
    std::vector<int> idle, busy;
    for (int p = 0; p < processes; ++p) {
      (procs[static_cast<size_t>(p)].active ? busy : idle).push_back(p);
    }
    if (issued >= max_ops && busy.empty()) break;
    if (!idle.empty() && issued < max_ops && (busy.empty() || rnd.chance(0.4))) {
      const int p = idle[rnd.below(idle.size())];
      InFlight& f = procs[static_cast<size_t>(p)];
      f = InFlight{};
      f.active = true;
      f.invoke.process = history::Process::client(ids[static_cast<size_t>(p)]);
      f.invoke.type = OpType::Invoke;
      choose_op(f.invoke);
      emit(f.invoke);
      ++issued;
      continue;
    }
    if (busy.empty()) break;
    const int p = busy[rnd.below(busy.size())];
    InFlight& f = procs[static_cast<size_t>(p)];
    if (!f.applied && !f.failed && rnd.chance(0.6)) {
      // The op's linearization point.
      if (f.invoke.f == "read") {
        f.result = model == "append" && state.is_null() ? Value::array() : state;
        f.applied = true;
      } else if (auto next = testing::ref_step(model, state, RefOp{0, 0, f.invoke.f, f.invoke.value})) {
        state = *next;
        f.applied = true;
      } else {
        f.failed = true;
      }
      continue;
    }
    if (issued < max_ops && rnd.chance(0.1)) continue;  // stays in flight a while longer
    if (issued >= max_ops && rnd.chance(0.1)) {
      f.active = false;  // never completes
      continue;
    }
    Op done = f.invoke;
    if (rnd.chance(0.15)) {
      done.type = OpType::Info;  // applied or not: indeterminate
      ids[static_cast<size_t>(p)] += processes;  // Jepsen: a new process after info
    } else if (f.failed) {
      done.type = OpType::Fail;
    } else if (!f.applied) {
      continue;  // must take effect or fail before it can return ok
    } else {
      done.type = OpType::Ok;
      if (done.f == "read") done.value = f.result;
    }
    emit(done);
    f.active = false;
  }

  if (rnd.chance(0.5)) {
    std::vector<size_t> candidates;
    for (size_t i = 0; i < events.size(); ++i) {
      const Op& e = events[i];
      if (model == "mutex" ? e.type == OpType::Fail : e.type == OpType::Ok) candidates.push_back(i);
    }
    if (!candidates.empty()) {
      Op& e = events[candidates[rnd.below(candidates.size())]];
      if (model == "mutex") {
        e.type = OpType::Ok;  // a failed acquire or release reported as done
      } else if (e.f == "read") {
        e.value = model == "append" ? Value::array({rnd.between(1, 3)}) : Value(rnd.between(0, 2));
      } else {
        e.value = e.f == "cas" ? Value::array({rnd.between(0, 2), rnd.between(0, 2)})
                               : Value(rnd.between(0, 3));
        // A buggy server reports what it was asked to do: keep the invoke in step.
        for (auto i = static_cast<size_t>(e.index); i-- > 0;) {
          if (events[i].type == OpType::Invoke && events[i].process == e.process) {
            events[i].value = e.value;
            break;
          }
        }
      }
    }
  }
  return events;
}

// The reference's view: positions are event indices; failed ops and indeterminate
// reads are left out (they constrain nothing).
std::vector<RefOp> reference_ops(const std::vector<Op>& events) {
  std::vector<RefOp> out;
  std::map<int64_t, size_t> open;
  for (size_t i = 0; i < events.size(); ++i) {
    const Op& e = events[i];
    if (e.type == OpType::Invoke) {
      open[e.process.id] = out.size();
      out.push_back(RefOp{static_cast<int64_t>(i), std::nullopt, e.f, e.value});
    } else {
      RefOp& r = out[open[e.process.id]];
      if (e.type == OpType::Ok) {
        r.ret = static_cast<int64_t>(i);
        if (!e.value.is_null()) r.value = e.value;
      } else if (e.type == OpType::Fail || r.f == "read") {
        r.f = "drop";
      }
      open.erase(e.process.id);
    }
  }
  std::erase_if(out, [](const RefOp& r) { return r.f == "drop" || (r.f == "read" && !r.ret); });
  return out;
}

struct Tally {
  int valid = 0;
  int invalid = 0;
};

void run_differential(const std::string& model, ModelKind kind, int seeds, Tally& tally,
                      const std::function<void(CheckOptions&)>& tune = {}) {
  for (int seed = 1; seed <= seeds; ++seed) {
    const Value initial = model == "append" ? Value() : Value(0);
    const std::vector<Op> events =
        generate(model, static_cast<uint64_t>(seed) * 7919 + static_cast<uint64_t>(kind), initial);
    BruteForce ref(model, reference_ops(events));
    const bool expected = ref.linearizable(model == "mutex" ? Value(false) : initial);

    CheckOptions options;
    options.model = kind;
    options.initial = initial;
    options.threads = 1;
    if (tune) tune(options);
    LinearizabilityChecker checker(options, "generated");
    for (const Op& e : events) {
      Op copy = e;
      if (kind == ModelKind::Kv) copy.key = Value("k");
      ASSERT_TRUE(checker.add(copy).ok());
    }
    auto result = checker.check();
    ASSERT_TRUE(result.ok()) << result.error().message;
    std::string dump;
    for (const Op& e : events) dump += history::describe(e) + "\n";
    ASSERT_EQ(result->verdict, expected ? Verdict::Valid : Verdict::Invalid)
        << model << " seed " << seed << " disagrees with the reference:\n" << dump
        << describe(*result);
    (expected ? tally.valid : tally.invalid)++;
  }
}

TEST(LinearizableDifferential, CasRegisterAgreesWithBruteForce) {
  Tally t;
  run_differential("cas-register", ModelKind::CasRegister, 3000, t);
  // The generator must produce both verdicts in quantity, or the test proves little.
  EXPECT_GT(t.valid, 600);
  EXPECT_GT(t.invalid, 300);
}

TEST(LinearizableDifferential, RegisterAgreesWithBruteForce) {
  Tally t;
  run_differential("register", ModelKind::Register, 1500, t);
  EXPECT_GT(t.valid, 300);
  EXPECT_GT(t.invalid, 150);
}

TEST(LinearizableDifferential, AppendAbstractionAgreesWithConcreteLists) {
  Tally t;
  run_differential("append", ModelKind::Kv, 2000, t);
  EXPECT_GT(t.valid, 400);
  EXPECT_GT(t.invalid, 200);
}

TEST(LinearizableDifferential, PlainWglWithoutPruningsAgreesWithBruteForce) {
  Tally t;
  run_differential("cas-register", ModelKind::CasRegister, 1500, t, [](CheckOptions& o) {
    o.prunings = Prunings{false, false, false};
  });
  EXPECT_GT(t.valid, 300);
  EXPECT_GT(t.invalid, 150);
}

TEST(LinearizableDifferential, ConcreteAppendStatesAgreeWithBruteForce) {
  Tally t;
  run_differential("append", ModelKind::Kv, 1500, t, [](CheckOptions& o) { o.concrete_append = true; });
  EXPECT_GT(t.valid, 300);
  EXPECT_GT(t.invalid, 150);
}

TEST(LinearizableDifferential, MutexAgreesWithBruteForce) {
  Tally t;
  run_differential("mutex", ModelKind::Mutex, 1500, t);
  EXPECT_GT(t.valid, 300);
  EXPECT_GT(t.invalid, 100);
}

}  // namespace
}  // namespace faultline::checkers::linearizable
