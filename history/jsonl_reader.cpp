// read_jsonl: the JSONL history reader (history/reader.h, DESIGN.md "The history").
//
// Speed is the point here: the checker reads a 1,000,000-op history (2M lines, ~220 MB)
// within a few seconds. nlohmann::json's lexer alone costs ~1.2 us a line (2.4 s for
// 2M lines, even through its SAX interface) and building its DOM doubles that, so each
// line first goes through FastLineParser, a strict parser for the common shape of an op
// line (ASCII strings without escapes, integers, null/true/false, nested arrays and
// objects). Anything it does not fully understand -- floats, escapes, non-ASCII, huge
// integers, duplicate fields, wrong field types, syntax errors -- falls back to
// nlohmann::json::parse + op_from_json, which stays the single authority on what a line
// means and on every error message. The fast path must therefore accept only lines that
// the fallback accepts, and produce the same Op; fuzz/jsonl_fuzz.cpp checks exactly that.

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <string_view>

#include "history/reader.h"

namespace faultline::history {
namespace {

// Reads start at 64 KiB and double up to 1 MiB, so a small input costs a small buffer;
// the buffer grows beyond that only to hold a longer line.
constexpr size_t kFirstReadBytes = 64 << 10;
constexpr size_t kMaxReadBytes = 1 << 20;
constexpr int kMaxFastDepth = 64;  // deeper values take the (iterative) fallback

// Bytes a FastLineParser string may hold: printable ASCII except '"' and '\\'.
constexpr auto kPlainChar = [] {
  std::array<bool, 256> table{};
  for (int c = 0x20; c <= 0x7e; ++c) table[static_cast<size_t>(c)] = c != '"' && c != '\\';
  return table;
}();

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) {
    return is_json_space(c) || c == '\f' || c == '\v';
  });
}

// Parses one line of the common shape into an Op. Returns false, with `op` in an
// unspecified state, when the line is anything else; the caller then uses the fallback.
class FastLineParser {
 public:
  explicit FastLineParser(std::string_view line)
      : p_(line.data()), end_(line.data() + line.size()) {}

  bool parse_op(Op& op) {
    skip_space();
    if (!consume('{')) return false;
    unsigned seen = 0;
    skip_space();
    if (consume('}')) return false;  // `{}` lacks the required fields
    while (true) {
      skip_space();
      std::string_view name;
      if (!parse_plain_string(name)) return false;
      skip_space();
      if (!consume(':')) return false;
      skip_space();
      const Field field = field_of(name);
      if (field != Field::Other) {
        const unsigned bit = 1u << static_cast<unsigned>(field);
        if ((seen & bit) != 0) return false;  // duplicate: last one wins in the fallback
        seen |= bit;
      }
      if (!parse_field(field, op)) return false;
      skip_space();
      if (consume(',')) continue;
      if (consume('}')) break;
      return false;
    }
    skip_space();
    if (p_ != end_) return false;
    constexpr unsigned kRequired = (1u << static_cast<unsigned>(Field::Type)) |
                                   (1u << static_cast<unsigned>(Field::Process)) |
                                   (1u << static_cast<unsigned>(Field::F));
    return (seen & kRequired) == kRequired;
  }

 private:
  enum class Field : unsigned { Index, Time, Process, Node, Type, F, Key, Value, Error, Other };

  // Switches on the length first: this runs ~8 times a line.
  static Field field_of(std::string_view name) {
    switch (name.size()) {
      case 1: return name[0] == 'f' ? Field::F : Field::Other;
      case 3: return name == "key" ? Field::Key : Field::Other;
      case 4:
        if (name == "time") return Field::Time;
        if (name == "node") return Field::Node;
        if (name == "type") return Field::Type;
        return Field::Other;
      case 5:
        if (name == "index") return Field::Index;
        if (name == "value") return Field::Value;
        if (name == "error") return Field::Error;
        return Field::Other;
      case 7: return name == "process" ? Field::Process : Field::Other;
      default: return Field::Other;
    }
  }

  // Mirrors op_from_json field by field; any case that is an error (or merely unusual)
  // there returns false here.
  bool parse_field(Field field, Op& op) {
    std::string_view s;
    switch (field) {
      case Field::Index: return peek_number() && parse_int(op.index);
      case Field::Time: return peek_number() && parse_int(op.time);
      case Field::Process:
        if (peek_number()) {
          int64_t id = 0;
          if (!parse_int(id) || id < 0) return false;
          op.process = Process::client(id);
          return true;
        }
        if (!parse_plain_string(s) || s.empty()) return false;
        op.process = Process::named(std::string(s));
        return true;
      case Field::Node:
        if (!parse_plain_string(s)) return false;
        op.node.assign(s);
        return true;
      case Field::Type: {
        if (!parse_plain_string(s)) return false;
        auto type = op_type_from_string(s);
        if (!type) return false;
        op.type = *type;
        return true;
      }
      case Field::F:
        if (!parse_plain_string(s) || s.empty()) return false;
        op.f.assign(s);
        return true;
      case Field::Key: return parse_value(op.key.emplace(), 0);
      case Field::Value: return parse_value(op.value, 0);
      case Field::Error: return parse_value(op.error, 0);
      case Field::Other: {
        Value ignored;
        return parse_value(ignored, 0);
      }
    }
    return false;
  }

  bool parse_value(Value& out, int depth) {
    if (p_ == end_ || depth > kMaxFastDepth) return false;
    switch (*p_) {
      case '{': {
        ++p_;
        out = Value::object();
        skip_space();
        if (consume('}')) return true;
        while (true) {
          skip_space();
          std::string_view name;
          if (!parse_plain_string(name)) return false;
          skip_space();
          if (!consume(':')) return false;
          skip_space();
          // operator[] then assign: a repeated name keeps the last value, as nlohmann does.
          if (!parse_value(out[std::string(name)], depth + 1)) return false;
          skip_space();
          if (consume(',')) continue;
          return consume('}');
        }
      }
      case '[': {
        ++p_;
        out = Value::array();
        out.get_ref<Value::array_t&>().reserve(4);  // most values are short tuples
        skip_space();
        if (consume(']')) return true;
        while (true) {
          skip_space();
          Value element;
          if (!parse_value(element, depth + 1)) return false;
          out.push_back(std::move(element));
          skip_space();
          if (consume(',')) continue;
          return consume(']');
        }
      }
      case '"': {
        std::string_view s;
        if (!parse_plain_string(s)) return false;
        out = std::string(s);
        return true;
      }
      case 't': return parse_literal("true", Value(true), out);
      case 'f': return parse_literal("false", Value(false), out);
      case 'n': return parse_literal("null", Value(nullptr), out);
      default: {
        if (!peek_number()) return false;
        const bool negative = *p_ == '-';
        int64_t v = 0;
        if (!parse_int(v)) return false;
        // nlohmann stores non-negative integers as unsigned, negative ones as signed.
        if (negative) {
          out = v;
        } else {
          out = static_cast<uint64_t>(v);
        }
        return true;
      }
    }
  }

  bool parse_literal(std::string_view word, Value literal, Value& out) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    out = std::move(literal);
    return true;
  }

  bool peek_number() const { return p_ != end_ && (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')); }

  // A JSON integer of at most 18 digits (so it fits in int64_t whatever the digits);
  // fractions, exponents and leading zeros are left to the fallback.
  bool parse_int(int64_t& out) {
    const bool negative = p_ != end_ && *p_ == '-';
    if (negative) ++p_;
    const char* digits = p_;
    int64_t v = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
      if (p_ - digits == 18) return false;  // before a 19th digit could overflow v
      v = v * 10 + (*p_ - '0');
      ++p_;
    }
    const auto n = p_ - digits;
    if (n == 0 || (n > 1 && *digits == '0')) return false;
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    out = negative ? -v : v;
    return true;
  }

  // A string of printable ASCII with no escapes; the view points into the line.
  bool parse_plain_string(std::string_view& out) {
    if (!consume('"')) return false;
    const char* start = p_;
    while (p_ != end_ && kPlainChar[static_cast<unsigned char>(*p_)]) ++p_;
    if (p_ == end_ || *p_ != '"') return false;  // escape, control or non-ASCII byte
    out = std::string_view(start, static_cast<size_t>(p_ - start));
    ++p_;
    return true;
  }

  bool consume(char c) {
    if (p_ != end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }

  // Compact lines have no spaces at all; one inlined comparison settles the common case.
  [[gnu::always_inline]] void skip_space() {
    if (p_ != end_ && static_cast<unsigned char>(*p_) <= ' ') skip_space_slow();
  }
  void skip_space_slow() {
    while (p_ != end_ && is_json_space(*p_)) ++p_;
  }

  const char* p_;
  const char* end_;
};

// "[json.exception.parse_error.101] parse error at line 1, column 17: syntax error ..."
// -> "column 17: syntax error ...". Lines are parsed one at a time, so nlohmann's line
// is always 1 and the file line is added by the caller.
std::string json_error_text(const nlohmann::json::exception& e) {
  std::string_view what = e.what();
  if (auto column = what.find("column "); column != std::string_view::npos) {
    return std::string(what.substr(column));
  }
  if (auto close = what.find("] "); close != std::string_view::npos) what.remove_prefix(close + 2);
  if (what.starts_with("parse error: ")) what.remove_prefix(13);
  return std::string(what);
}

enum class LineResult { Op, SyntaxError, FieldError };

// Parses one non-blank line. On error `error` says what was expected, without file/line.
LineResult parse_line(std::string_view line, Op& op, std::string& error) {
  if (FastLineParser(line).parse_op(op)) return LineResult::Op;
  Value json;
  try {
    json = Value::parse(line.begin(), line.end());
  } catch (const nlohmann::json::exception& e) {
    error = json_error_text(e);
    return LineResult::SyntaxError;
  }
  auto parsed = op_from_json(json);
  if (!parsed.ok()) {
    error = parsed.error().message;
    return LineResult::FieldError;
  }
  op = std::move(parsed).value();
  return LineResult::Op;
}

std::string at(std::string_view name, int64_t line) {
  std::string s(name);
  s += ':';
  s += std::to_string(line);
  s += ": ";
  return s;
}

}  // namespace

base::Result<ReadSummary> read_jsonl(std::istream& in, std::string_view name,
                                     const OpSink& sink) {
  ReadSummary summary;
  std::string error;
  int64_t line_number = 0;

  // buffer[begin, end) holds bytes read but not yet consumed as lines.
  std::string buffer;
  size_t begin = 0;
  size_t end = 0;
  size_t read_bytes = kFirstReadBytes;
  bool eof = false;

  while (true) {
    const char* nl = begin == end ? nullptr
                                  : static_cast<const char*>(std::memchr(
                                        buffer.data() + begin, '\n', end - begin));
    if (nl == nullptr) {
      if (eof) break;
      // Keep the partial line at the front, make room behind it, read.
      if (begin > 0) {
        std::memmove(buffer.data(), buffer.data() + begin, end - begin);
        end -= begin;
        begin = 0;
      }
      if (buffer.size() < end + read_bytes) buffer.resize(std::max(end + read_bytes, 2 * end));
      in.read(buffer.data() + end, static_cast<std::streamsize>(read_bytes));
      read_bytes = std::min(2 * read_bytes, kMaxReadBytes);
      const auto got = in.gcount();
      if (in.bad()) return base::Error{std::string(name) + ": read error"};
      end += static_cast<size_t>(got);
      if (!in) eof = true;
      continue;
    }

    const auto nl_pos = static_cast<size_t>(nl - buffer.data());
    const std::string_view line(buffer.data() + begin, nl_pos - begin);
    begin = nl_pos + 1;
    ++line_number;
    if (is_blank(line)) continue;
    Op op;
    if (parse_line(line, op, error) != LineResult::Op) {
      return base::Error{at(name, line_number) + error};
    }
    op.line = line_number;
    ++summary.ops;
    sink(std::move(op));
  }

  // What is left has no newline: the last line of a file that does not end in one.
  const std::string_view last(buffer.data() + begin, end - begin);
  if (!is_blank(last)) {
    ++line_number;
    Op op;
    switch (parse_line(last, op, error)) {
      case LineResult::Op:
        op.line = line_number;
        ++summary.ops;
        sink(std::move(op));
        break;
      case LineResult::SyntaxError:
        // A writer killed mid-line leaves an incomplete object; the prefix is still good.
        summary.warnings.push_back(at(name, line_number) + "truncated last line skipped (" +
                                   std::to_string(last.size()) +
                                   " bytes, no newline: the writer was probably killed "
                                   "mid-write)");
        break;
      case LineResult::FieldError:
        // A complete object with a bad field is not a truncation.
        return base::Error{at(name, line_number) + error};
    }
  }
  return summary;
}

}  // namespace faultline::history
