#pragma once
// Base64 (RFC 4648 §4, the standard alphabet with '=' padding): the report embeds its
// plots as data: URLs, and etcd's JSON gateway carries keys and values in it. Pure
// functions; thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace faultline::base {

// `bytes` as padded base64.
std::string base64_encode(std::string_view bytes);

// The bytes of padded base64 `text`; nullopt when it is not that (a character outside
// the alphabet, a length that is not a multiple of 4, or padding anywhere but the end).
// Empty text decodes to empty bytes.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace faultline::base
