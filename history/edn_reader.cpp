// Jepsen EDN import (history/reader.h). A streaming recursive-descent reader over the
// istream's streambuf: it never holds more than one op, hands each op to the sink as
// soon as its map closes, and turns every EDN form into a Value at once (STYLE.md:
// "convert from JSON/EDN once, at the edge"). Recursion is capped at kMaxDepth so that
// hostile input cannot exhaust the stack; every read checks for end of input.
//
// Accepted layouts: a top-level vector or list of op maps (Knossos, older Jepsen), or
// op maps one after another (newer Jepsen history.edn), optionally tagged
// (`#jepsen.history.Op{...}`).

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <streambuf>
#include <string>

#include "history/edn_value.h"
#include "history/reader.h"

namespace faultline::history {

namespace {

constexpr int kEof = std::char_traits<char>::eof();
// Returned by next() when it has consumed a '#' that does not start a discard; the
// character after the '#' has not been consumed.
constexpr int kHash = 0x100;
constexpr int kMaxDepth = 256;
constexpr std::size_t kMaxExcerpt = 60;

// What the last parsed form was, beyond its Value: error messages show `:okk`, not "okk".
enum class Kind : uint8_t { Nil, Bool, Int, Float, String, Keyword, Symbol, Char, Collection };

bool is_space(int c) {
  return c == ' ' || c == ',' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(int c) { return c >= '0' && c <= '9'; }

// Character classes, one table lookup per character on the hot path.
enum : uint8_t { kSymbolStart = 1, kConstituent = 2 };

constexpr std::array<uint8_t, 256> make_char_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool start = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
    for (char p : std::string_view(".*+!-_?$%&=<>/")) start = start || c == p;
    bool constituent = start || (c >= '0' && c <= '9') || c == ':' || c == '#' || c == '\'';
    t[static_cast<std::size_t>(c)] =
        static_cast<uint8_t>((start ? kSymbolStart : 0) | (constituent ? kConstituent : 0));
  }
  return t;
}
constexpr std::array<uint8_t, 256> kCharClasses = make_char_classes();

// May start a symbol (or a tag name). Bytes >= 0x80 are taken as letters, so UTF-8 (and
// invalid UTF-8) symbols pass through.
bool is_symbol_start(int c) {
  return c >= 0 && c < 256 && (kCharClasses[static_cast<std::size_t>(c)] & kSymbolStart);
}

// May continue a symbol, keyword or number token.
bool is_constituent(int c) {
  return c >= 0 && c < 256 && (kCharClasses[static_cast<std::size_t>(c)] & kConstituent);
}

bool is_closer(int c) { return c == ')' || c == ']' || c == '}'; }

int hex_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

constexpr uint32_t kReplacement = 0xfffd;

// A character for a message: 'x', "end of input" or "byte 0x00".
std::string describe_char(int c) {
  if (c == kEof) return "end of input";
  if (c == kHash) return "'#'";
  if (c > 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "byte 0x";
  s += kHex[(c >> 4) & 0xf];
  s += kHex[c & 0xf];
  return s;
}

// "map opened at line 3", the note on an error about an unclosed form.
std::string opened(std::string_view what, int64_t line) {
  return std::string(what) + " opened at line " + std::to_string(line);
}

std::string excerpt(std::string_view s) {
  if (s.size() <= kMaxExcerpt) return std::string(s);
  return std::string(s.substr(0, kMaxExcerpt)) + "...";
}

// A parsed form as EDN, for "got ..." in messages.
std::string describe_form(const Value& v, Kind kind) {
  switch (kind) {
    case Kind::Keyword: return ":" + excerpt(v.get_ref<const std::string&>());
    case Kind::Symbol: return excerpt(v.get_ref<const std::string&>());
    case Kind::Char: return "\\" + excerpt(v.get_ref<const std::string&>());
    default: return edn_excerpt(v, kMaxExcerpt);
  }
}

bool is_stringish(Kind k) {
  return k == Kind::String || k == Kind::Keyword || k == Kind::Symbol;
}

class EdnParser {
 public:
  EdnParser(std::streambuf* buf, std::string_view name) : buf_(buf), name_(name) {}

  base::Result<ReadSummary> run(const OpSink& sink) {
    if (!read_history(sink)) return base::Error{std::move(error_)};
    return std::move(summary_);
  }

 private:
  // ---- characters --------------------------------------------------------------

  int peek() { return buf_->sgetc(); }
  // Consumes one character and returns it, counting lines.
  int bump() {
    int c = buf_->sbumpc();
    if (c == '\n') ++line_;
    return c;
  }

  bool fail(int64_t line, std::string expected, std::string got, std::string_view note = {}) {
    error_ = std::string(name_) + ":" + std::to_string(line) + ": expected " + expected +
             ", got " + got;
    if (!note.empty()) {
      error_ += " (";
      error_ += note;
      error_ += ")";
    }
    return false;
  }
  bool fail(std::string expected, std::string got, std::string_view note = {}) {
    return fail(line_, std::move(expected), std::move(got), note);
  }

  // Skips whitespace, commas, comments and `#_ form` discards. Sets `c` to the next
  // character without consuming it, to kEof, or to kHash when a '#' (not followed by
  // '_') was consumed.
  bool next(int& c, int depth) {
    c = peek();
    for (;;) {
      if (is_space(c)) {
        if (c == '\n') ++line_;
        c = buf_->snextc();
      } else if (c == ';') {
        while (c != '\n' && c != kEof) c = buf_->snextc();
      } else if (c == '#') {
        buf_->sbumpc();
        if (peek() != '_') {
          c = kHash;
          return true;
        }
        buf_->sbumpc();
        if (!discard(depth + 1)) return false;
        c = peek();
      } else {
        return true;
      }
    }
  }

  // Reads symbol-constituent characters into `tok` (appending).
  void read_token(std::string& tok) {
    int c = peek();
    while (is_constituent(c)) {
      tok += static_cast<char>(c);
      c = buf_->snextc();
    }
  }

  bool check_depth(int depth) { return depth <= kMaxDepth || fail_depth(); }
  [[gnu::noinline, gnu::cold]] bool fail_depth() {
    return fail("nesting at most " + std::to_string(kMaxDepth) + " deep", "deeper");
  }

  // ---- forms -------------------------------------------------------------------

  bool discard(int depth) {
    if (!check_depth(depth)) return false;
    int c;
    if (!next(c, depth)) return false;
    if (c == kEof || is_closer(c)) return fail("a form after #_", describe_char(c));
    Value ignored;
    return parse_form(ignored, c, depth);
  }

  // Parses one form starting at `c` (as returned by next()) into `out`; sets kind_.
  bool parse_form(Value& out, int c, int depth) {
    if (!check_depth(depth)) return false;
    switch (c) {
      case '{': return parse_map(out, depth);
      case '[': return parse_seq(out, ']', "vector", depth);
      case '(': return parse_seq(out, ')', "list", depth);
      case '"': {
        bump();
        std::string s;
        if (!parse_string_body(s)) return false;
        out = std::move(s);
        kind_ = Kind::String;
        return true;
      }
      case ':': return parse_keyword(out);
      case '\\': return parse_char(out);
      case kHash: return parse_dispatch(out, depth);
      default: break;
    }
    if (is_digit(c) || is_symbol_start(c)) return parse_atom(out);
    return fail("a value", describe_char(c));
  }

  bool parse_seq(Value& out, int close, const char* what, int depth) {
    int64_t open_line = line_;
    bump();
    out = Value::array();
    kind_ = Kind::Collection;
    return parse_elements(out, close, what, open_line, depth);
  }

  // Elements up to and including `close`, appended to the array `out`.
  bool parse_elements(Value& out, int close, const char* what, int64_t open_line, int depth) {
    for (;;) {
      int c;
      if (!next(c, depth + 1)) return false;
      if (c == close) {
        bump();
        kind_ = Kind::Collection;
        return true;
      }
      if (c == kEof || is_closer(c)) {
        return fail(std::string("a value or '") + static_cast<char>(close) + "'",
                    describe_char(c), opened(what, open_line));
      }
      Value element;
      if (!parse_form(element, c, depth + 1)) return false;
      out.push_back(std::move(element));
    }
  }

  bool parse_map(Value& out, int depth) {
    int64_t open_line = line_;
    bump();
    out = Value::object();
    for (;;) {
      int c;
      if (!next(c, depth + 1)) return false;
      if (c == '}') {
        bump();
        kind_ = Kind::Collection;
        return true;
      }
      if (c == kEof || is_closer(c)) {
        return fail("a map key or '}'", describe_char(c), opened("map", open_line));
      }
      Value key;
      if (!parse_form(key, c, depth + 1)) return false;
      Kind key_kind = kind_;
      if (!next(c, depth + 1)) return false;
      if (c == kEof || is_closer(c)) {
        return fail("a value for key " + describe_form(key, key_kind), describe_char(c),
                    opened("map", open_line));
      }
      Value value;
      if (!parse_form(value, c, depth + 1)) return false;
      if (key.is_string()) {
        out[key.get_ref<const std::string&>()] = std::move(value);
      } else {
        out[key.dump(-1, ' ', false, Value::error_handler_t::replace)] = std::move(value);
      }
    }
  }

  // After the opening quote. Escapes as in Clojure: \" \\ \n \t \r \b \f \uXXXX and
  // octal \0..\377; a \u surrogate pair becomes one UTF-8 character, a lone surrogate
  // U+FFFD. Other bytes (NUL, invalid UTF-8) are kept as they are.
  bool parse_string_body(std::string& out) {
    int64_t open_line = line_;
    uint32_t pending_high = 0;  // a \uD800-\uDBFF waiting for its low half
    auto flush_high = [&] {
      if (pending_high != 0) {
        append_utf8(out, kReplacement);
        pending_high = 0;
      }
    };
    for (;;) {
      int c = bump();
      if (c == kEof) {
        return fail("a closing '\"'", "end of input", opened("string", open_line));
      }
      if (c == '"') {
        flush_high();
        return true;
      }
      if (c != '\\') {
        flush_high();
        out += static_cast<char>(c);
        continue;
      }
      int e = bump();
      if (e == 'u') {
        uint32_t cp = 0;
        for (int i = 0; i < 4; ++i) {
          int h = hex_value(peek());
          if (h < 0) return fail("4 hex digits after \\u", describe_char(peek()));
          bump();
          cp = cp * 16 + static_cast<uint32_t>(h);
        }
        if (cp >= 0xdc00 && cp <= 0xdfff && pending_high != 0) {
          append_utf8(out, 0x10000 + ((pending_high - 0xd800) << 10) + (cp - 0xdc00));
          pending_high = 0;
        } else {
          flush_high();
          if (cp >= 0xd800 && cp <= 0xdbff) {
            pending_high = cp;
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            append_utf8(out, kReplacement);
          } else {
            append_utf8(out, cp);
          }
        }
        continue;
      }
      flush_high();
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case '/': out += '/'; break;
        default:
          if (e >= '0' && e <= '7') {
            uint32_t cp = static_cast<uint32_t>(e - '0');
            for (int i = 0; i < 2 && peek() >= '0' && peek() <= '7'; ++i) {
              cp = cp * 8 + static_cast<uint32_t>(bump() - '0');
            }
            if (cp > 0377) return fail("an octal escape up to \\377", "\\" + std::to_string(cp));
            append_utf8(out, cp);
            break;
          }
          if (e == kEof) {
            return fail("a closing '\"'", "end of input", opened("string", open_line));
          }
          return fail("a string escape (\\\" \\\\ \\n \\t \\r \\b \\f \\uXXXX)",
                      e > 0x20 && e < 0x7f ? std::string("\\") + static_cast<char>(e)
                                           : "'\\' then " + describe_char(e));
      }
    }
  }

  bool parse_keyword(Value& out) {
    bump();  // ':'
    std::string name;
    read_token(name);
    // `::name` (auto-resolved) has no namespace to resolve here: keep the name.
    if (!name.empty() && name[0] == ':') name.erase(0, 1);
    if (name.empty()) return fail("a keyword name after ':'", describe_char(peek()));
    out = std::move(name);
    kind_ = Kind::Keyword;
    return true;
  }

  // A character literal: \a, \newline, \space, \tab, \return, \backspace, \formfeed,
  // \uXXXX, \oNNN, or one UTF-8 character.
  bool parse_char(Value& out) {
    bump();  // '\\'
    int c = bump();
    if (c == kEof) return fail("a character after '\\'", "end of input");
    std::string tok(1, static_cast<char>(c));
    if (is_constituent(c)) read_token(tok);
    std::string s;
    if (tok.size() == 1) {
      s = tok;
    } else if (tok == "newline") {
      s = "\n";
    } else if (tok == "space") {
      s = " ";
    } else if (tok == "tab") {
      s = "\t";
    } else if (tok == "return") {
      s = "\r";
    } else if (tok == "backspace") {
      s = "\b";
    } else if (tok == "formfeed") {
      s = "\f";
    } else if (tok.size() == 5 && tok[0] == 'u' && hex_value(tok[1]) >= 0 &&
               hex_value(tok[2]) >= 0 && hex_value(tok[3]) >= 0 && hex_value(tok[4]) >= 0) {
      uint32_t cp = 0;
      for (int i = 1; i < 5; ++i) cp = cp * 16 + static_cast<uint32_t>(hex_value(tok[i]));
      if (cp >= 0xd800 && cp <= 0xdfff) cp = kReplacement;
      append_utf8(s, cp);
    } else if (tok.size() >= 2 && tok.size() <= 4 && tok[0] == 'o' &&
               tok.find_first_not_of("01234567", 1) == std::string::npos &&
               std::stoul(tok.substr(1), nullptr, 8) <= 0377) {
      append_utf8(s, static_cast<uint32_t>(std::stoul(tok.substr(1), nullptr, 8)));
    } else if (tok.size() <= 4 && static_cast<unsigned char>(tok[0]) >= 0x80 &&
               tok.find_first_of("0123456789abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ.*+!-_?$%&=<>/:#'") ==
                   std::string::npos) {
      s = tok;  // one non-ASCII character, as its UTF-8 bytes
    } else {
      return fail("a character name (\\newline \\space \\tab \\return \\uXXXX ...)",
                  "\\" + excerpt(tok));
    }
    out = std::move(s);
    kind_ = Kind::Char;
    return true;
  }

  // After a '#' that is not a discard: a set, a symbolic value, a regex or a tag.
  bool parse_dispatch(Value& out, int depth) {
    int c = peek();
    if (c == '{') {
      int64_t open_line = line_;
      bump();
      out = Value::array();  // a set, as an array in source order
      return parse_elements(out, '}', "set", open_line, depth);
    }
    if (c == '#') {
      bump();
      std::string tok;
      read_token(tok);
      if (tok == "Inf") {
        out = std::numeric_limits<double>::infinity();
      } else if (tok == "-Inf") {
        out = -std::numeric_limits<double>::infinity();
      } else if (tok == "NaN") {
        out = std::numeric_limits<double>::quiet_NaN();
      } else {
        return fail("##Inf, ##-Inf or ##NaN", "##" + excerpt(tok));
      }
      kind_ = Kind::Float;
      return true;
    }
    if (c == '"') {  // #"regex": its source text
      bump();
      std::string s;
      if (!parse_string_body(s)) return false;
      out = std::move(s);
      kind_ = Kind::String;
      return true;
    }
    if (is_symbol_start(c)) {
      std::string tag;
      read_token(tag);
      int f;
      if (!next(f, depth + 1)) return false;
      if (f == kEof || is_closer(f)) return fail("a value after tag #" + excerpt(tag), describe_char(f));
      return parse_form(out, f, depth + 1);  // the tag is dropped: #inst "x" -> "x"
    }
    return fail("'{', '_', '#', '\"' or a tag name after '#'", describe_char(c));
  }

  // nil, true, false, a number or a symbol.
  bool parse_atom(Value& out) {
    std::string tok;
    read_token(tok);
    bool numeric = is_digit(tok[0]) ||
                   ((tok[0] == '+' || tok[0] == '-') && tok.size() > 1 && is_digit(tok[1]));
    if (numeric) return parse_number(out, tok);
    if (tok == "nil") {
      out = nullptr;
      kind_ = Kind::Nil;
    } else if (tok == "true" || tok == "false") {
      out = tok == "true";
      kind_ = Kind::Bool;
    } else {
      out = std::move(tok);
      kind_ = Kind::Symbol;
    }
    return true;
  }

  // [+-]digits, then an optional N (integer) or fraction/exponent and optional M (float),
  // or a ratio digits/digits (read as a double).
  bool parse_number(Value& out, std::string_view tok) {
    std::string_view t = tok;
    if (t[0] == '+') t.remove_prefix(1);  // from_chars takes '-' but not '+'
    auto bad = [&] { return fail("a number", excerpt(tok)); };

    if (auto slash = t.find('/'); slash != std::string_view::npos) {
      int64_t num = 0, den = 0;
      std::string_view n = t.substr(0, slash), d = t.substr(slash + 1);
      auto rn = std::from_chars(n.data(), n.data() + n.size(), num);
      auto rd = std::from_chars(d.data(), d.data() + d.size(), den);
      if (rn.ec != std::errc{} || rn.ptr != n.data() + n.size() || rd.ec != std::errc{} ||
          rd.ptr != d.data() + d.size() || d.empty() || !is_digit(d[0])) {
        return bad();
      }
      if (den == 0) return fail("a ratio with a non-zero denominator", excerpt(tok));
      out = static_cast<double>(num) / static_cast<double>(den);
      kind_ = Kind::Float;
      return true;
    }

    char suffix = 0;
    if (t.back() == 'N' || t.back() == 'M') {
      suffix = t.back();
      t.remove_suffix(1);
    }
    // Validate the shape ourselves: from_chars would accept "inf", hex floats, etc.
    std::size_t i = (!t.empty() && t[0] == '-') ? 1 : 0;
    std::size_t digits_start = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i == digits_start) return bad();
    bool is_float = false;
    if (i < t.size() && t[i] == '.') {
      is_float = true;
      ++i;
      while (i < t.size() && is_digit(t[i])) ++i;
    }
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
      is_float = true;
      ++i;
      if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
      std::size_t exp_start = i;
      while (i < t.size() && is_digit(t[i])) ++i;
      if (i == exp_start) return bad();
    }
    if (i != t.size()) return bad();
    if (suffix == 'M') is_float = true;
    if (suffix == 'N' && is_float) return bad();

    if (!is_float) {
      int64_t v = 0;
      auto r = std::from_chars(t.data(), t.data() + t.size(), v);
      if (r.ec == std::errc::result_out_of_range) {
        return fail("an integer in the 64-bit range", excerpt(tok));
      }
      if (r.ec != std::errc{} || r.ptr != t.data() + t.size()) return bad();
      out = v;
      kind_ = Kind::Int;
      return true;
    }
    double d = 0;
    auto r = std::from_chars(t.data(), t.data() + t.size(), d);
    if (r.ec == std::errc::result_out_of_range) {
      // Underflow is fine (a tiny number); overflow is not representable.
      std::string copy(t);
      d = std::strtod(copy.c_str(), nullptr);
      if (std::isinf(d)) return fail("a number in the double range", excerpt(tok));
    } else if (r.ec != std::errc{} || r.ptr != t.data() + t.size()) {
      return bad();
    }
    out = d;
    kind_ = Kind::Float;
    return true;
  }

  // ---- ops ---------------------------------------------------------------------

  // One op map at `c` ('{', or kHash for a tagged map like #jepsen.history.Op{...}).
  bool parse_op(int c, int depth, const OpSink& sink) {
    if (c == kHash) {
      int t = peek();
      if (!is_symbol_start(t)) return fail("an op map", describe_char(kHash));
      std::string tag;
      read_token(tag);
      if (!next(c, depth)) return false;
      if (c != '{') return fail("an op map after tag #" + excerpt(tag), describe_char(c));
    }
    if (c != '{') return fail("an op map", describe_char(c));
    if (!check_depth(depth)) return false;

    Op op;
    op.line = line_;
    bool has_process = false, has_type = false, has_f = false;
    bump();
    for (;;) {
      if (!next(c, depth + 1)) return false;
      if (c == '}') {
        bump();
        break;
      }
      if (c == kEof || is_closer(c)) {
        return fail("a map key or '}'", describe_char(c), opened("map", op.line));
      }
      // Keys are almost always keywords: read those into a reused buffer, not a Value.
      Value key;
      Kind key_kind;
      if (c == ':') {
        bump();
        key_buf_.clear();
        read_token(key_buf_);
        if (!key_buf_.empty() && key_buf_[0] == ':') key_buf_.erase(0, 1);
        if (key_buf_.empty()) return fail("a keyword name after ':'", describe_char(peek()));
        key_kind = Kind::Keyword;
      } else {
        if (!parse_form(key, c, depth + 1)) return false;
        key_kind = kind_;
        key_buf_ = key.is_string() ? key.get<std::string>() : std::string();
      }
      if (!next(c, depth + 1)) return false;
      if (c == kEof || is_closer(c)) {
        Value shown = key.is_null() && key_kind == Kind::Keyword ? Value(key_buf_) : key;
        return fail("a value for key " + describe_form(shown, key_kind), describe_char(c),
                    opened("map", op.line));
      }
      int64_t value_line = line_;
      Value value;
      if (!parse_form(value, c, depth + 1)) return false;
      Kind kind = kind_;
      if (key_kind != Kind::Keyword && key_kind != Kind::String) continue;
      std::string_view k = key_buf_;
      if (k == "process") {
        if (kind == Kind::Int && value.get<int64_t>() >= 0) {
          op.process = Process::client(value.get<int64_t>());
        } else if (is_stringish(kind) && !value.get_ref<const std::string&>().empty()) {
          op.process = Process::named(std::move(value.get_ref<std::string&>()));
        } else {
          return fail(value_line, "a non-negative integer or a keyword for :process",
                      describe_form(value, kind));
        }
        has_process = true;
      } else if (k == "type") {
        std::optional<OpType> type;
        if (kind == Kind::Keyword || kind == Kind::String) {
          type = op_type_from_string(value.get_ref<const std::string&>());
        }
        if (!type) {
          return fail(value_line, ":type to be :invoke, :ok, :fail or :info",
                      describe_form(value, kind));
        }
        op.type = *type;
        has_type = true;
      } else if (k == "f") {
        if (!is_stringish(kind) || value.get_ref<const std::string&>().empty()) {
          return fail(value_line, ":f to be a keyword or a string", describe_form(value, kind));
        }
        op.f = std::move(value.get_ref<std::string&>());
        has_f = true;
      } else if (k == "value") {
        op.value = std::move(value);
      } else if (k == "error") {
        op.error = std::move(value);
      } else if (k == "time" || k == "index") {
        if (kind == Kind::Nil) continue;
        if (kind != Kind::Int) {
          return fail(value_line, ":" + std::string(k) + " to be an integer",
                      describe_form(value, kind));
        }
        (k == "time" ? op.time : op.index) = value.get<int64_t>();
      } else if (k == "node") {
        if (kind == Kind::Nil) continue;
        if (!is_stringish(kind)) {
          return fail(value_line, ":node to be a string or a keyword",
                      describe_form(value, kind));
        }
        op.node = std::move(value.get_ref<std::string&>());
      }
    }
    if (!has_type) return fail(op.line, ":type to be :invoke, :ok, :fail or :info", "nothing");
    if (!has_process) {
      return fail(op.line, "a non-negative integer or a keyword for :process", "nothing");
    }
    if (!has_f) return fail(op.line, ":f to be a keyword or a string", "nothing");
    ++summary_.ops;
    sink(std::move(op));
    return true;
  }

  bool read_history(const OpSink& sink) {
    int c;
    if (!next(c, 0)) return false;
    if (c == '[' || c == '(') {
      int close = c == '[' ? ']' : ')';
      int64_t open_line = line_;
      const char* what = c == '[' ? "vector" : "list";
      bump();
      for (;;) {
        if (!next(c, 1)) return false;
        if (c == close) {
          bump();
          break;
        }
        if (c == kEof || is_closer(c)) {
          return fail(std::string("an op map or '") + static_cast<char>(close) + "'",
                      describe_char(c), opened(what, open_line));
        }
        if (!parse_op(c, 1, sink)) return false;
      }
      if (!next(c, 0)) return false;
      if (c != kEof) {
        return fail(std::string("end of input after the closing '") +
                        static_cast<char>(close) + "'",
                    describe_char(c));
      }
      return true;
    }
    // Op maps one after another (or an empty file).
    while (c != kEof) {
      if (c != '{' && c != kHash) {
        return fail("an op map, or a vector or list of them", describe_char(c));
      }
      if (!parse_op(c, 0, sink)) return false;
      if (!next(c, 0)) return false;
    }
    return true;
  }

  std::streambuf* buf_;
  std::string_view name_;
  int64_t line_ = 1;
  Kind kind_ = Kind::Nil;
  ReadSummary summary_;
  std::string error_;
  std::string key_buf_;  // the current op map key, reused to avoid an allocation per key
};

}  // namespace

base::Result<ReadSummary> read_edn(std::istream& in, std::string_view name, const OpSink& sink) {
  std::streambuf* buf = in.rdbuf();
  if (buf == nullptr) return base::Error{std::string(name) + ": cannot read: no stream buffer"};
  EdnParser parser(buf, name);
  return parser.run(sink);
}

}  // namespace faultline::history
