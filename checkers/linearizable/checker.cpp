#include "checkers/linearizable/checker.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <sstream>
#include <thread>

#include "base/clock.h"
#include "checkers/linearizable/models/append.h"
#include "checkers/linearizable/models/generic.h"
#include "checkers/linearizable/models/multi_register.h"
#include "checkers/linearizable/models/mutex.h"
#include "checkers/linearizable/models/register.h"

namespace faultline::checkers::linearizable {

std::optional<ModelKind> model_from_string(std::string_view name) {
  if (name == "register") return ModelKind::Register;
  if (name == "cas-register") return ModelKind::CasRegister;
  if (name == "kv") return ModelKind::Kv;
  if (name == "multi-register") return ModelKind::MultiRegister;
  if (name == "mutex") return ModelKind::Mutex;
  return std::nullopt;
}

std::string_view to_string(ModelKind kind) {
  switch (kind) {
    case ModelKind::Register: return "register";
    case ModelKind::CasRegister: return "cas-register";
    case ModelKind::Kv: return "kv";
    case ModelKind::MultiRegister: return "multi-register";
    case ModelKind::Mutex: return "mutex";
  }
  return "?";
}

LinearizabilityChecker::LinearizabilityChecker(CheckOptions options, std::string source_name)
    : options_(std::move(options)), source_name_(std::move(source_name)) {
  model_options_.initial = options_.initial;
  model_options_.nil_read = options_.nil_read;
  model_options_.source_name = source_name_;
  model_options_.concrete_append = options_.concrete_append;
}

int32_t LinearizabilityChecker::key_index(const history::Value& key) {
  auto [it, inserted] =
      key_ids_.try_emplace(history::to_text(key), static_cast<int32_t>(keys_.size()));
  if (inserted) {
    keys_.push_back(key);
    key_ops_.emplace_back();
  }
  return it->second;
}

base::Status LinearizabilityChecker::add(const history::Op& op) {
  ++events_;
  if (!op.process.is_client()) return base::ok_status();
  if (!options_.model) {
    if (op.key) {
      options_.model = ModelKind::Kv;
    } else if (op.f == "txn") {
      options_.model = ModelKind::MultiRegister;
    } else if (op.f == "acquire" || op.f == "release") {
      options_.model = ModelKind::Mutex;
    } else {
      options_.model = ModelKind::CasRegister;
    }
  }
  const int64_t pos = position_++;
  auto where = [&](const history::Op& o) {
    return source_name_ + ":" + std::to_string(o.line) + ": ";
  };
  // Multi-key histories carry the key in "key" (ours) or as a [key value] tuple
  // (Jepsen's `independent`).
  history::Value key;
  history::Value value = op.value;
  if (op.key) {
    key = *op.key;
  } else if (model() == ModelKind::Kv) {
    if (!op.value.is_array() || op.value.size() != 2) {
      if (op.type == history::OpType::Invoke || op.type == history::OpType::Ok) {
        return base::Error{where(op) +
                           "the kv model needs a key: a \"key\" field or a [key value] tuple, "
                           "got " + history::to_text(op.value)};
      }
    } else {
      key = op.value[0];
      value = op.value[1];
    }
  }

  if (op.type == history::OpType::Invoke) {
    if (auto it = pending_.find(op.process.id); it != pending_.end()) {
      return base::Error{where(op) + "process " + std::to_string(op.process.id) +
                         " invoked \"" + op.f + "\" while its op from line " +
                         std::to_string(it->second.op.line) + " is still pending"};
    }
    Pending p;
    p.key = key_index(key);
    p.op.call_pos = pos;
    p.op.f = op.f;
    p.op.value = std::move(value);
    p.op.process = op.process.id;
    p.op.index = op.index;
    p.op.line = op.line;
    pending_.emplace(op.process.id, std::move(p));
    return base::ok_status();
  }

  auto it = pending_.find(op.process.id);
  if (it == pending_.end()) {
    // Jepsen writes `info` for crashed processes that may have no open invoke.
    if (op.type == history::OpType::Info) {
      ++stray_completions_;
      return base::ok_status();
    }
    return base::Error{where(op) + "\"" + std::string(history::to_string(op.type)) +
                       "\" for process " + std::to_string(op.process.id) +
                       ", which has no pending invoke"};
  }
  if (it->second.op.f != op.f) {
    return base::Error{where(op) + "completion \"" + op.f + "\" does not match the invoke \"" +
                       it->second.op.f + "\" of line " + std::to_string(it->second.op.line)};
  }
  Pending p = std::move(it->second);
  pending_.erase(it);
  p.op.completion_line = op.line;
  switch (op.type) {
    case history::OpType::Fail:
      return base::ok_status();  // certainly did not happen
    case history::OpType::Ok:
      p.op.ret_pos = pos;
      if (!value.is_null()) p.op.value = std::move(value);
      break;
    case history::OpType::Info:
      p.op.ret_pos = kNever;
      break;
    case history::OpType::Invoke:
      break;
  }
  key_ops_[static_cast<size_t>(p.key)].push_back(std::move(p.op));
  return base::ok_status();
}

namespace {

base::Result<Prepared> prepare_key(ModelKind model, const std::vector<KeyOp>& ops,
                                   const ModelOptions& options) {
  switch (model) {
    case ModelKind::Register: return prepare_register(ops, options, false);
    case ModelKind::CasRegister: return prepare_register(ops, options, true);
    case ModelKind::MultiRegister: return prepare_multi_register(ops, options);
    case ModelKind::Mutex: return prepare_mutex(ops, options);
    case ModelKind::Kv: {
      // A key that is appended to holds a list, and so does a key that is only read
      // and reads lists (its appends may all have failed); any other key is a cas
      // register. A key that is both appended to and written uses concrete states.
      bool appends = false, writes = false, list_reads = false;
      for (const KeyOp& o : ops) {
        appends |= o.f == "append";
        writes |= o.f == "write" || o.f == "put" || o.f == "cas";
        list_reads |= (o.f == "read" || o.f == "get") && o.value.is_array();
      }
      if (appends && writes) return prepare_generic(ops, options);
      if (appends && options.concrete_append) return prepare_generic(ops, options);
      return appends || (list_reads && !writes) ? prepare_append(ops, options)
                                                 : prepare_register(ops, options, true);
    }
  }
  return base::Error{"unknown model"};
}

OpRef op_ref(const KeyOp& op) {
  return OpRef{op.index, op.line, op.completion_line, op.process, op.f, op.value,
               op.indeterminate()};
}

Counterexample make_counterexample(const history::Value& key, const std::vector<KeyOp>& ops,
                                   const WglSearch& search) {
  const SearchResult& r = search.result();
  const auto& sops = search.ops();
  const Transitions& t = search.transitions();
  Counterexample ce;
  ce.key = key;
  const SearchOp& failed = sops[static_cast<size_t>(r.failed_op)];
  ce.failed = op_ref(ops[static_cast<size_t>(failed.source)]);
  ce.state_before_failed = t.describe_state(r.state_at_failure);
  ce.prefix_length = static_cast<int64_t>(r.longest_prefix.size());
  const size_t from = r.longest_prefix.size() > Counterexample::kPrefixTail
                          ? r.longest_prefix.size() - Counterexample::kPrefixTail
                          : 0;
  for (size_t i = from; i < r.longest_prefix.size(); ++i) {
    const PathStep& s = r.longest_prefix[i];
    ce.prefix_tail.push_back(Counterexample::Step{
        op_ref(ops[static_cast<size_t>(sops[static_cast<size_t>(s.op)].source)]),
        t.describe_state(s.state_after)});
  }
  for (const SearchOp& o : sops) {
    if (&o == &failed) continue;
    if (o.call_pos < failed.ret_pos && o.ret_pos > failed.call_pos) {
      ce.concurrent.push_back(op_ref(ops[static_cast<size_t>(o.source)]));
      if (ce.concurrent.size() >= 50) break;
    }
  }
  return ce;
}

}  // namespace

base::Result<LinearizabilityResult> LinearizabilityChecker::check() {
  const int64_t start = base::real_clock().now_ns();
  // Invokes that never completed may take effect at any later time, or never.
  std::vector<Pending> leftovers;
  for (auto& [process, p] : pending_) leftovers.push_back(std::move(p));
  pending_.clear();
  std::sort(leftovers.begin(), leftovers.end(),
            [](const Pending& a, const Pending& b) { return a.op.call_pos < b.op.call_pos; });
  for (auto& p : leftovers) key_ops_[static_cast<size_t>(p.key)].push_back(std::move(p.op));

  if (!options_.model) options_.model = ModelKind::CasRegister;  // an empty history
  LinearizabilityResult result;
  result.model = model();
  result.events = events_;
  result.keys = static_cast<int64_t>(keys_.size());
  result.warnings = warnings_;
  if (stray_completions_ > 0) {
    result.warnings.push_back(std::to_string(stray_completions_) +
                              " info completions without an invoke were ignored");
  }
  for (const auto& ops : key_ops_) result.operations += static_cast<int64_t>(ops.size());

  const size_t n = keys_.size();
  struct Job {
    std::unique_ptr<WglSearch> search;
    KeyResult result;
  };
  std::vector<Job> jobs(n);
  MemoryBudget budget(options_.memory_limit_bytes);
  const int64_t deadline =
      options_.time_limit_s > 0 ? start + static_cast<int64_t>(options_.time_limit_s * 1e9) : 0;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<size_t> queue;
  for (size_t k = 0; k < n; ++k) queue.push_back(k);
  size_t unfinished = n;
  std::optional<base::Error> error;

  auto worker = [&] {
    while (true) {
      size_t k;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return !queue.empty() || unfinished == 0 || error; });
        if (unfinished == 0 || error) return;
        k = queue.front();
        queue.pop_front();
      }
      Job& job = jobs[k];
      if (!job.search) {
        auto prepared = prepare_key(model(), key_ops_[k], model_options_);
        if (!prepared.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (!error) error = prepared.error();
          cv.notify_all();
          return;
        }
        job.result.key = keys_[k];
        job.result.ops = static_cast<int64_t>(prepared->ops.size());
        job.search = std::make_unique<WglSearch>(std::move(prepared->ops),
                                                 std::move(prepared->transitions), &budget,
                                                 options_.prunings);
      }
      if (deadline > 0 && base::real_clock().now_ns() >= deadline) {
        job.search->give_up("time limit");
      } else {
        job.search->run(options_.slice_steps);
      }
      const bool done = job.search->finished();
      if (done) {
        const SearchResult& r = job.search->result();
        job.result.verdict = r.verdict;
        job.result.reason = r.reason;
        job.result.steps = r.steps;
        job.result.configs = r.configs;
        if (r.verdict == Verdict::Invalid) {
          job.result.counterexample = make_counterexample(keys_[k], key_ops_[k], *job.search);
        }
        job.search.reset();
        std::vector<KeyOp>().swap(key_ops_[k]);
      }
      std::lock_guard<std::mutex> lock(mu);
      if (done) {
        --unfinished;
        cv.notify_all();
      } else {
        queue.push_back(k);
        cv.notify_one();
      }
    }
  };

  size_t threads = options_.threads > 0 ? static_cast<size_t>(options_.threads)
                                        : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, std::max<size_t>(n, 1));
  if (n > 0) {
    std::vector<std::thread> pool;
    for (size_t i = 1; i < threads; ++i) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
  }
  if (error) return *error;

  for (Job& job : jobs) {
    result.verdict = combine(result.verdict, job.result.verdict);
    result.search_steps += job.result.steps;
    result.search_configs += job.result.configs;
    if (job.result.verdict == Verdict::Valid) {
      ++result.valid_keys;
    } else {
      result.problems.push_back(std::move(job.result));
    }
  }
  result.peak_search_bytes = budget.peak();
  result.seconds = static_cast<double>(base::real_clock().now_ns() - start) / 1e9;
  return result;
}

base::Result<LinearizabilityResult> check_file(const std::filesystem::path& path,
                                               history::Format format,
                                               const CheckOptions& options) {
  const int64_t start = base::real_clock().now_ns();
  LinearizabilityChecker checker(options, path.string());
  std::optional<base::Error> first_error;
  auto summary = history::read_history(path, format, [&](history::Op&& op) {
    if (first_error) return;
    auto status = checker.add(op);
    if (!status.ok()) first_error = status.error();
  });
  if (!summary.ok()) return summary.error();
  if (first_error) return *first_error;
  for (auto& w : summary->warnings) checker.add_warning(w);
  auto result = checker.check();
  if (result.ok()) {
    result->seconds = static_cast<double>(base::real_clock().now_ns() - start) / 1e9;
  }
  return result;
}

namespace {

std::string op_text(const OpRef& op) {
  std::ostringstream out;
  if (op.index >= 0) out << "#" << op.index << " ";
  out << "process " << op.process << " " << (op.indeterminate ? "info " : "ok ") << op.f << " "
      << history::to_text(op.value) << (op.completion_line > 0 ? " (lines " : " (line ") << op.line;
  if (op.completion_line > 0) {
    out << "-" << op.completion_line;
  } else {
    out << ", never completed";
  }
  out << ")";
  return out.str();
}

history::Value op_json(const OpRef& op) {
  history::Value j = {{"line", op.line}, {"completion_line", op.completion_line},
                      {"process", op.process}, {"f", op.f},
                      {"value", op.value}, {"type", op.indeterminate ? "info" : "ok"}};
  if (op.index >= 0) j["index"] = op.index;
  return j;
}

std::string key_text(const history::Value& key) {
  return key.is_null() ? std::string("The history") : "Key " + history::to_text(key);
}

}  // namespace

std::string describe(const LinearizabilityResult& r) {
  std::ostringstream out;
  out << to_string(r.verdict) << "\n";
  for (const KeyResult& k : r.problems) {
    if (k.verdict == Verdict::Unknown) {
      out << "\n" << key_text(k.key) << ": unknown (" << k.reason << ") after " << k.steps
          << " search steps\n";
      continue;
    }
    const Counterexample& ce = *k.counterexample;
    out << "\n" << key_text(k.key) << " is not linearizable.\n";
    out << "  This op cannot be linearized: " << op_text(ce.failed) << "\n";
    out << "  The longest linearizable prefix has " << ce.prefix_length
        << " ops and ends in state " << ce.state_before_failed << ".\n";
    const size_t show = std::min<size_t>(ce.prefix_tail.size(), 10);
    if (show > 0) {
      out << "  Its last " << show << " ops (op -> state after it):\n";
      for (size_t i = ce.prefix_tail.size() - show; i < ce.prefix_tail.size(); ++i) {
        out << "    " << op_text(ce.prefix_tail[i].op) << "  -> " << ce.prefix_tail[i].state_after
            << "\n";
      }
    }
    if (!ce.concurrent.empty()) {
      out << "  Ops concurrent with it:\n";
      for (size_t i = 0; i < std::min<size_t>(ce.concurrent.size(), 10); ++i) {
        out << "    " << op_text(ce.concurrent[i]) << "\n";
      }
    }
  }
  for (const auto& w : r.warnings) out << "\nwarning: " << w;
  if (!r.warnings.empty()) out << "\n";
  out << "\nChecked " << r.operations << " operations (" << r.events << " events) on " << r.keys
      << (r.keys == 1 ? " key" : " keys") << " with the " << to_string(r.model) << " model in "
      << r.seconds << " s; " << r.valid_keys << " valid, "
      << r.problems.size() << " not; peak search memory "
      << static_cast<double>(r.peak_search_bytes) / (1 << 20) << " MiB.\n";
  return out.str();
}

history::Value to_json(const LinearizabilityResult& r) {
  history::Value j;
  j["checker"] = "linearizable";
  j["verdict"] = std::string(to_string(r.verdict));
  j["model"] = std::string(to_string(r.model));
  j["events"] = r.events;
  j["operations"] = r.operations;
  j["keys"] = r.keys;
  j["valid_keys"] = r.valid_keys;
  j["seconds"] = r.seconds;
  j["search_steps"] = r.search_steps;
  j["search_configs"] = r.search_configs;
  j["peak_search_bytes"] = r.peak_search_bytes;
  j["warnings"] = r.warnings;
  j["problems"] = history::Value::array();
  for (const KeyResult& k : r.problems) {
    history::Value p = {{"key", k.key},
                        {"verdict", std::string(to_string(k.verdict))},
                        {"ops", k.ops},
                        {"steps", k.steps},
                        {"configs", k.configs}};
    if (!k.reason.empty()) p["reason"] = k.reason;
    if (k.counterexample) {
      const Counterexample& ce = *k.counterexample;
      history::Value c;
      c["failed_op"] = op_json(ce.failed);
      c["state_before_failed_op"] = ce.state_before_failed;
      c["prefix_length"] = ce.prefix_length;
      c["prefix_tail"] = history::Value::array();
      for (const auto& s : ce.prefix_tail) {
        c["prefix_tail"].push_back({{"op", op_json(s.op)}, {"state_after", s.state_after}});
      }
      c["concurrent_ops"] = history::Value::array();
      for (const auto& o : ce.concurrent) c["concurrent_ops"].push_back(op_json(o));
      p["counterexample"] = std::move(c);
    }
    j["problems"].push_back(std::move(p));
  }
  return j;
}

}  // namespace faultline::checkers::linearizable
