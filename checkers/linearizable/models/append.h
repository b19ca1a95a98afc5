#pragma once
// Append model: a key holding a list (or a string) that only grows.
//   append e   adds e at the end (to a string: concatenates e, which must be a string)
//   read v     legal iff the key holds exactly v (a list, a string, or nil per NilRead)
// f names: append; read|get.
//
// Exact state abstraction. Every state is either a prefix of L, the longest value any
// ok read returned, or not a prefix of L. States are therefore numbered by their length
// when they are a prefix of L, and all other states collapse into one: no ok read can
// be legal in any of them, or ever again (values only grow, and every read that can
// ever be legal is a prefix of L), and appends are legal in all of them. So the
// abstraction keeps every verdict, while the number of states is |L| + 2 however many
// appends run concurrently — this is what makes many crashed appends on one key cheap.
// Two more exact prunings follow from the same fact: an indeterminate append that
// leaves the prefixes of L is never needed (it may as well never have happened), and
// the search never leaves them while an ok read is still to be placed (blind()).

#include <vector>

#include "checkers/linearizable/key_ops.h"
#include "checkers/linearizable/models/value_table.h"

namespace faultline::checkers::linearizable {

struct AppendOp {
  bool is_read = false;
  bool indeterminate = false;    // append only
  bool read_matches_l = false;   // read only: its value is a prefix of L
  int32_t read_length = 0;       // read only
  std::vector<int32_t> tokens;   // append only: list element, or the string's bytes
  bool operator==(const AppendOp&) const = default;
};

class AppendModel {
 public:
  using State = int32_t;  // length of the prefix of L held, or kOffL
  using Op = AppendOp;
  static constexpr int32_t kOffL = -1;

  AppendModel(std::vector<int32_t> longest, int32_t initial, bool is_string,
              std::shared_ptr<const ValueTable> elements)
      : longest_(std::move(longest)),
        initial_(initial),
        is_string_(is_string),
        elements_(std::move(elements)) {}

  State init() const { return initial_; }
  std::optional<State> step(State s, const Op& op) const;
  bool observes(const Op& op) const { return op.is_read; }
  bool read_only(const Op& op) const { return op.is_read; }
  bool blind(State s) const { return s == kOffL; }
  uint64_t hash_state(State s) const { return static_cast<uint64_t>(s + 1); }
  uint64_t hash_op(const Op& op) const;
  std::string describe_state(State s) const;
  std::string describe_op(const Op& op) const;

 private:
  std::string render(size_t begin, size_t end) const;
  std::string render_tokens(const std::vector<int32_t>& tokens) const;

  std::vector<int32_t> longest_;
  int32_t initial_;
  bool is_string_;
  std::shared_ptr<const ValueTable> elements_;
};

base::Result<Prepared> prepare_append(const std::vector<KeyOp>& ops, const ModelOptions& options);

}  // namespace faultline::checkers::linearizable
