#include "history/edn_value.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace faultline::history {

namespace {

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// Characters the EDN spec allows in a symbol besides alphanumerics. ':' and '#' are
// allowed by the spec after the first character but left out here, so that whatever
// we write is also read back by older Clojure readers.
bool is_symbol_punct(char c) {
  switch (c) {
    case '.': case '*': case '+': case '!': case '-': case '_': case '?':
    case '$': case '%': case '&': case '=': case '<': case '>':
      return true;
    default:
      return false;
  }
}

// One segment of a keyword name (the namespace or the name after '/').
bool is_symbol_segment(std::string_view s) {
  if (s.empty()) return false;
  char first = s[0];
  if (!is_ascii_alpha(first) && !is_symbol_punct(first)) return false;
  if ((first == '+' || first == '-' || first == '.') && s.size() > 1 && is_ascii_digit(s[1])) {
    return false;
  }
  for (char c : s.substr(1)) {
    if (!is_ascii_alpha(c) && !is_ascii_digit(c) && !is_symbol_punct(c) && c != '\'') {
      return false;
    }
  }
  return true;
}

void append_hex4(std::string& out, unsigned v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u00";
  out += kHex[(v >> 4) & 0xf];
  out += kHex[v & 0xf];
}

void append_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "##NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d > 0 ? "##Inf" : "##-Inf";
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);  // shortest round-trip form
  if (ec != std::errc{}) {
    out += "##NaN";  // cannot happen: 64 bytes hold any double
    return;
  }
  std::string_view text(buf, static_cast<std::size_t>(end - buf));
  out += text;
  // "1" would read back as an integer; keep it a double.
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

}  // namespace

bool is_edn_keyword_name(std::string_view name) {
  auto slash = name.find('/');
  if (slash == std::string_view::npos) return is_symbol_segment(name);
  return is_symbol_segment(name.substr(0, slash)) && is_symbol_segment(name.substr(slash + 1));
}

void append_edn_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          append_hex4(out, static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_edn(std::string& out, const Value& v) {
  switch (v.type()) {
    case Value::value_t::null:
    case Value::value_t::discarded:
      out += "nil";
      return;
    case Value::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case Value::value_t::number_integer:
      out += std::to_string(v.get<int64_t>());
      return;
    case Value::value_t::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      return;
    case Value::value_t::number_float:
      append_double(out, v.get<double>());
      return;
    case Value::value_t::string:
      append_edn_string(out, v.get_ref<const std::string&>());
      return;
    case Value::value_t::array: {
      out += '[';
      bool first = true;
      for (const Value& e : v) {
        if (!first) out += ' ';
        first = false;
        append_edn(out, e);
      }
      out += ']';
      return;
    }
    case Value::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        if (is_edn_keyword_name(it.key())) {
          out += ':';
          out += it.key();
        } else {
          append_edn_string(out, it.key());
        }
        out += ' ';
        append_edn(out, it.value());
      }
      out += '}';
      return;
    }
    case Value::value_t::binary: {
      out += '[';
      bool first = true;
      for (auto byte : v.get_binary()) {
        if (!first) out += ' ';
        first = false;
        out += std::to_string(static_cast<unsigned>(byte));
      }
      out += ']';
      return;
    }
  }
  out += "nil";
}

std::string edn_excerpt(const Value& v, std::size_t max_bytes) {
  std::string s;
  append_edn(s, v);
  if (s.size() > max_bytes) {
    s.resize(max_bytes);
    s += "...";
  }
  return s;
}

}  // namespace faultline::history
