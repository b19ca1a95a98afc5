#include "harness/control/quote.h"

namespace faultline::harness::control {
namespace {

// '=' is left out on purpose: a bare `A=b` as the first word is an assignment.
bool is_safe_char(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  switch (c) {
    case '_': case '@': case '%': case '+': case ':': case ',': case '.':
    case '/': case '-':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string shell_quote(std::string_view arg) {
  if (arg.empty()) return "''";
  bool safe = true;
  for (char c : arg) {
    if (!is_safe_char(c)) {
      safe = false;
      break;
    }
  }
  if (safe) return std::string(arg);
  std::string out;
  out.reserve(arg.size() + 2);
  out.push_back('\'');
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out.push_back(' ');
    out += shell_quote(argv[i]);
  }
  return out;
}

}  // namespace faultline::harness::control
