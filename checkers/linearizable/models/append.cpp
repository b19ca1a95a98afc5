#include "checkers/linearizable/models/append.h"

#include <algorithm>

namespace faultline::checkers::linearizable {

std::optional<AppendModel::State> AppendModel::step(State s, const Op& op) const {
  if (op.is_read) {
    if (op.read_matches_l && s == op.read_length) return s;
    return std::nullopt;
  }
  const size_t n = op.tokens.size();
  if (s != kOffL && static_cast<size_t>(s) + n <= longest_.size() &&
      std::equal(op.tokens.begin(), op.tokens.end(), longest_.begin() + s)) {
    return s + static_cast<int32_t>(n);
  }
  // Leaving the prefixes of L: never needed for an indeterminate append.
  if (op.indeterminate) return std::nullopt;
  return kOffL;
}

uint64_t AppendModel::hash_op(const Op& op) const {
  uint64_t h = (op.is_read ? 1 : 0) | (op.indeterminate ? 2 : 0) | (op.read_matches_l ? 4 : 0);
  h ^= static_cast<uint64_t>(op.read_length) << 3;
  for (int32_t t : op.tokens) h = h * 0x100000001b3ULL ^ static_cast<uint64_t>(t);
  return h;
}

std::string AppendModel::render(size_t begin, size_t end) const {
  std::vector<int32_t> part(longest_.begin() + static_cast<std::ptrdiff_t>(begin),
                            longest_.begin() + static_cast<std::ptrdiff_t>(end));
  return render_tokens(part);
}

std::string AppendModel::render_tokens(const std::vector<int32_t>& tokens) const {
  if (is_string_) {
    history::Value s = std::string(tokens.begin(), tokens.end());
    return history::to_text(s);
  }
  std::string out = "[";
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) out += ",";
    out += elements_->text(tokens[i]);
  }
  return out + "]";
}

std::string AppendModel::describe_state(State s) const {
  if (s == kOffL) return "(a value that no read can match)";
  return render(0, static_cast<size_t>(s));
}

std::string AppendModel::describe_op(const Op& op) const {
  if (op.is_read) {
    if (!op.read_matches_l) return "read (a value no state can hold)";
    return "read " + render(0, static_cast<size_t>(op.read_length));
  }
  std::string elem;
  if (is_string_) {
    elem = render_tokens(op.tokens);
  } else {
    elem = op.tokens.empty() ? "?" : elements_->text(op.tokens[0]);
  }
  return "append " + elem;
}

namespace {

struct Tokenizer {
  bool is_string = false;
  ValueTable* elements = nullptr;

  // Tokens of a whole value (a read, or the initial value); nullopt if it has the
  // wrong kind for this key.
  std::optional<std::vector<int32_t>> of_value(const history::Value& v) const {
    std::vector<int32_t> out;
    if (v.is_null()) return out;
    if (is_string) {
      if (!v.is_string()) return std::nullopt;
      for (unsigned char c : v.get_ref<const std::string&>()) out.push_back(c);
      return out;
    }
    if (!v.is_array()) return std::nullopt;
    for (const auto& e : v) out.push_back(elements->intern(e));
    return out;
  }
};

}  // namespace

base::Result<Prepared> prepare_append(const std::vector<KeyOp>& ops, const ModelOptions& options) {
  auto elements = std::make_shared<ValueTable>();
  // A key is a string key if a read or the initial value is a string.
  Tokenizer tok;
  tok.elements = elements.get();
  tok.is_string = options.initial.is_string();
  for (const KeyOp& op : ops) {
    if ((op.f == "read" || op.f == "get") && !op.indeterminate() && op.value.is_string()) {
      tok.is_string = true;
    }
  }

  // Reads that are kept, with their tokens; and L, the longest of them.
  std::vector<std::optional<std::vector<int32_t>>> read_tokens(ops.size());
  std::vector<int32_t> longest;
  for (size_t i = 0; i < ops.size(); ++i) {
    const KeyOp& op = ops[i];
    if (op.f == "append") continue;
    if (op.f != "read" && op.f != "get") {
      return op_error(options, op,
                      "an append key has no operation \"" + op.f + "\" (expected append, read)");
    }
    if (op.indeterminate()) continue;
    if (op.value.is_null() && options.nil_read == NilRead::Unknown) continue;
    auto t = tok.of_value(op.value);
    if (!t) {
      return op_error(options, op,
                      std::string("expected a read of this key to return ") +
                          (tok.is_string ? "a string" : "a list") + ", got " + history::to_text(op.value));
    }
    if (t->size() > longest.size()) longest = *t;
    read_tokens[i] = std::move(t);
  }
  auto init_tokens = tok.of_value(options.initial);
  if (!init_tokens) {
    return base::Error{"the initial value " + history::to_text(options.initial) +
                       " does not suit an append key (expected a list, a string or null)"};
  }
  const bool init_is_prefix =
      init_tokens->size() <= longest.size() &&
      std::equal(init_tokens->begin(), init_tokens->end(), longest.begin());
  const int32_t initial =
      init_is_prefix ? static_cast<int32_t>(init_tokens->size()) : AppendModel::kOffL;

  Prepared prepared;
  auto transitions = std::make_unique<InternedTransitions<AppendModel>>(
      AppendModel(longest, initial, tok.is_string, elements));
  for (size_t i = 0; i < ops.size(); ++i) {
    const KeyOp& op = ops[i];
    AppendOp a;
    if (op.f == "append") {
      a.indeterminate = op.indeterminate();
      if (tok.is_string) {
        if (!op.value.is_string()) {
          return op_error(options, op,
                          "expected the element appended to a string key to be a string, got " +
                              history::to_text(op.value));
        }
        for (unsigned char c : op.value.get_ref<const std::string&>()) a.tokens.push_back(c);
      } else {
        a.tokens.push_back(elements->intern(op.value));
      }
    } else {
      if (!read_tokens[i]) continue;
      const auto& t = *read_tokens[i];
      a.is_read = true;
      a.read_length = static_cast<int32_t>(t.size());
      a.read_matches_l = std::equal(t.begin(), t.end(), longest.begin());
    }
    prepared.ops.push_back(SearchOp{op.call_pos, op.ret_pos, transitions->add_class(a),
                                    static_cast<int32_t>(i)});
  }
  prepared.transitions = std::move(transitions);
  return prepared;
}

}  // namespace faultline::checkers::linearizable
