#pragma once
// Shell quoting for commands sent to nodes over SSH: every argument that reaches a
// remote /bin/sh goes through shell_quote, so a value is always one word and never
// code. Pure functions; thread-safe.

#include <string>
#include <string_view>
#include <vector>

namespace faultline::harness::control {

// Quotes `arg` as one POSIX sh word. Words made only of [A-Za-z0-9_@%+:,./-] come
// back unchanged (readable logs); anything else is wrapped in single quotes, with
// each ' written as '\''. The empty string becomes ''.
std::string shell_quote(std::string_view arg);

// Each element quoted with shell_quote, joined by single spaces: the result, given
// to sh -c, runs argv[0] with exactly the arguments argv[1..].
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace faultline::harness::control
