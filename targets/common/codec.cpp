// Encoder/Decoder: LEB128 varints, zigzag i64, length-prefixed bytes (codec.h).

#include "targets/common/codec.h"

#include <limits>

namespace faultline::targets::common {

void Encoder::put_varint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void Encoder::put_i64(int64_t v) {
  // Zigzag: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ... (shift on the unsigned value: no UB).
  const auto u = static_cast<uint64_t>(v);
  put_varint((u << 1) ^ (v < 0 ? ~uint64_t{0} : 0));
}

void Encoder::put_bytes(std::string_view b) {
  put_varint(b.size());
  out_.append(b);
}

std::string Encoder::take() {
  std::string out = std::move(out_);
  out_.clear();
  return out;
}

bool Decoder::fail(const char* what, size_t at) {
  if (error_.empty()) error_ = std::string(what) + " at byte " + std::to_string(at);
  return false;
}

bool Decoder::get_varint(uint64_t& v, uint64_t max, const char* what) {
  if (!ok()) return false;
  const size_t start = pos_;
  uint64_t result = 0;
  for (int i = 0; i < 10; ++i) {
    if (start + i >= in_.size()) return fail((std::string("truncated ") + what).c_str(), start);
    const auto byte = static_cast<uint8_t>(in_[start + i]);
    const uint64_t group = byte & 0x7f;
    // The tenth byte holds bit 63 only.
    if (i == 9 && group > 1) return fail((std::string("overlong ") + what).c_str(), start);
    result |= group << (7 * i);
    if ((byte & 0x80) == 0) {
      // A zero final group after the first byte is a redundant (non-canonical) encoding.
      if (i > 0 && group == 0) return fail((std::string("overlong ") + what).c_str(), start);
      if (result > max) return fail((std::string("out-of-range ") + what).c_str(), start);
      pos_ = start + i + 1;
      v = result;
      return true;
    }
  }
  return fail((std::string("overlong ") + what).c_str(), start);
}

bool Decoder::get_u8(uint8_t& v) {
  uint64_t x = 0;
  if (!get_varint(x, std::numeric_limits<uint8_t>::max(), "u8")) return false;
  v = static_cast<uint8_t>(x);
  return true;
}

bool Decoder::get_u32(uint32_t& v) {
  uint64_t x = 0;
  if (!get_varint(x, std::numeric_limits<uint32_t>::max(), "u32")) return false;
  v = static_cast<uint32_t>(x);
  return true;
}

bool Decoder::get_u64(uint64_t& v) {
  return get_varint(v, std::numeric_limits<uint64_t>::max(), "u64");
}

bool Decoder::get_i64(int64_t& v) {
  uint64_t x = 0;
  if (!get_varint(x, std::numeric_limits<uint64_t>::max(), "i64")) return false;
  v = static_cast<int64_t>((x >> 1) ^ (~(x & 1) + 1));
  return true;
}

bool Decoder::get_bool(bool& v) {
  uint64_t x = 0;
  if (!get_varint(x, 1, "bool")) return false;
  v = x == 1;
  return true;
}

bool Decoder::get_bytes_view(std::string_view& b) {
  const size_t start = pos_;
  uint64_t len = 0;
  if (!get_varint(len, std::numeric_limits<uint64_t>::max(), "length")) return false;
  if (len > remaining()) {
    pos_ = start;
    return fail("truncated bytes", start);
  }
  b = in_.substr(pos_, len);
  pos_ += len;
  return true;
}

bool Decoder::get_string(std::string& s) {
  std::string_view view;
  if (!get_bytes_view(view)) return false;
  s.assign(view);
  return true;
}

bool Decoder::get_count(uint64_t& n) {
  const size_t start = pos_;
  uint64_t count = 0;
  if (!get_varint(count, std::numeric_limits<uint64_t>::max(), "count")) return false;
  if (count > remaining()) {
    pos_ = start;
    return fail("count beyond the input", start);
  }
  n = count;
  return true;
}

base::Status Decoder::status() const {
  if (!ok()) return base::Error{error_};
  return base::ok_status();
}

base::Status Decoder::finish() const {
  if (!ok()) return base::Error{error_};
  if (remaining() != 0) {
    return base::Error{std::to_string(remaining()) + " trailing bytes at byte " +
                       std::to_string(pos_)};
  }
  return base::ok_status();
}

base::Error Decoder::error(std::string_view what) const {
  auto status = finish();
  return base::Error{std::string(what) + ": " +
                     (status ? std::string("invalid field value") : status.error().message)};
}

}  // namespace faultline::targets::common
