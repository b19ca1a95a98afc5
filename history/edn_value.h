#pragma once
// Private to history/: Value -> EDN text, shared by the EDN writer (export) and the EDN
// reader (to quote what it got in error messages). Pure functions; thread-safe.
// Not part of the public API: include only from history/*.cpp.

#include <cstddef>
#include <string>
#include <string_view>

#include "history/op.h"

namespace faultline::history {

// True when `name` can be written as `:name` and reads back as the same name: ASCII
// only, an optional single '/' namespace separator, and never a leading digit (nor a
// leading '+', '-' or '.' followed by a digit).
bool is_edn_keyword_name(std::string_view name);

// Appends `s` as an EDN string literal: quotes, backslashes and control characters are
// escaped; every other byte (including invalid UTF-8) passes through unchanged.
void append_edn_string(std::string& out, std::string_view s);

// Appends `v` as compact EDN: null -> nil, arrays -> vectors, objects -> maps with
// keyword keys where is_edn_keyword_name() allows, doubles always with a '.' or an
// exponent (1.0, never 1) and non-finite doubles as ##Inf, ##-Inf, ##NaN.
void append_edn(std::string& out, const Value& v);

// append_edn() cut to at most `max_bytes` (then "..."), for messages.
std::string edn_excerpt(const Value& v, std::size_t max_bytes = 60);

}  // namespace faultline::history
