#pragma once
// Encoder and Decoder: the wire format of every message of every target (Raft, ZAB,
// 2PC). Integers are LEB128 varints (i64 zigzag first), strings and bytes are a varint
// length then the bytes. Called by each target's message (de)serialisers. Neither class
// is thread-safe; each is a cheap value used by one thread.
//
// The format is canonical: the Decoder rejects a varint with a redundant trailing zero
// group, so one message has exactly one encoding (sim trace hashes rely on it).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"

namespace faultline::targets::common {

class Encoder {
 public:
  Encoder() = default;
  // Appends after `prefix` (e.g. a message type byte written by someone else).
  explicit Encoder(std::string prefix) : out_(std::move(prefix)) {}

  void put_u8(uint8_t v) { put_varint(v); }
  void put_u32(uint32_t v) { put_varint(v); }
  void put_u64(uint64_t v) { put_varint(v); }
  void put_i64(int64_t v);  // zigzag, so small negatives stay short
  void put_bool(bool v) { put_varint(v ? 1 : 0); }
  void put_string(std::string_view s) { put_bytes(s); }
  void put_bytes(std::string_view b);

  const std::string& bytes() const { return out_; }
  size_t size() const { return out_.size(); }
  // Moves the encoded bytes out; the Encoder is empty afterwards.
  std::string take();

 private:
  void put_varint(uint64_t v);
  std::string out_;
};

// Reads what an Encoder wrote, in the same order. Each getter returns false and leaves
// its output untouched when the input is truncated, a varint is overlong (more than
// 10 bytes, non-canonical, or too large for the type) or a bool is not 0/1. The first
// failure is sticky: every later getter fails too, and status() names the field's
// byte offset. Never reads outside the input. The input must outlive the Decoder and
// any string_view returned by get_bytes_view().
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}

  bool get_u8(uint8_t& v);
  bool get_u32(uint32_t& v);
  bool get_u64(uint64_t& v);
  bool get_i64(int64_t& v);
  bool get_bool(bool& v);
  bool get_string(std::string& s);
  bool get_bytes(std::string& b) { return get_string(b); }
  // A view into the input (no copy).
  bool get_bytes_view(std::string_view& b);
  // The number of elements that follow, each at least one byte long: a count larger
  // than the bytes left fails, so garbage cannot make a reader allocate gigabytes.
  bool get_count(uint64_t& n);

  bool ok() const { return error_.empty(); }
  size_t remaining() const { return in_.size() - pos_; }
  size_t position() const { return pos_; }
  // ok, or the first failure ("truncated varint at byte 7").
  base::Status status() const;
  // status(), and also an error if bytes are left over: a message must be read whole.
  base::Status finish() const;
  // The Error of a `what` that did not decode: "<what>: <finish()'s error>", or
  // "<what>: invalid field value" when the bytes were fine but a value was not (an
  // unknown enum, say).
  base::Error error(std::string_view what) const;

 private:
  bool get_varint(uint64_t& v, uint64_t max, const char* what);
  bool fail(const char* what, size_t at);
  std::string_view in_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace faultline::targets::common
