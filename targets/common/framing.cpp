// Length-prefixed frames (framing.h).

#include "targets/common/framing.h"

#include <algorithm>

namespace faultline::targets::common {
namespace {

uint32_t read_le32(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[3])) << 24;
}

}  // namespace

void append_frame(std::string& out, std::string_view payload) {
  const auto n = static_cast<uint32_t>(payload.size());
  const char header[kFrameHeaderBytes] = {static_cast<char>(n), static_cast<char>(n >> 8),
                                          static_cast<char>(n >> 16),
                                          static_cast<char>(n >> 24)};
  out.append(header, kFrameHeaderBytes);
  out.append(payload);
}

base::Status FrameDecoder::feed(std::string_view bytes) {
  if (failed()) return base::Error{error_};
  while (!bytes.empty()) {
    // Fast path: a whole frame at the start of `bytes` is cut straight out of it; only a
    // frame that this read does not finish is copied into partial_.
    if (partial_.empty() && bytes.size() >= kFrameHeaderBytes) {
      const uint32_t len = read_le32(bytes.data());
      if (len > max_frame_bytes_) return oversize(len);
      if (bytes.size() - kFrameHeaderBytes >= len) {
        ready_.emplace_back(bytes.substr(kFrameHeaderBytes, len));
        bytes.remove_prefix(kFrameHeaderBytes + len);
        continue;
      }
    }
    if (partial_.size() < kFrameHeaderBytes) {
      const size_t take = std::min(kFrameHeaderBytes - partial_.size(), bytes.size());
      partial_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (partial_.size() < kFrameHeaderBytes) break;
      const uint32_t len = read_le32(partial_.data());
      if (len > max_frame_bytes_) return oversize(len);
      partial_.reserve(kFrameHeaderBytes + len);
    }
    const size_t total = kFrameHeaderBytes + read_le32(partial_.data());
    const size_t take = std::min(total - partial_.size(), bytes.size());
    partial_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (partial_.size() == total) {
      ready_.push_back(partial_.substr(kFrameHeaderBytes));
      partial_.clear();
    }
  }
  return base::ok_status();
}

base::Status FrameDecoder::oversize(uint32_t len) {
  error_ = "frame of " + std::to_string(len) + " bytes exceeds the maximum of " +
           std::to_string(max_frame_bytes_);
  partial_.clear();
  return base::Error{error_};
}

std::optional<std::string> FrameDecoder::pop() {
  if (ready_.empty()) return std::nullopt;
  std::string frame = std::move(ready_.front());
  ready_.pop_front();
  return frame;
}

}  // namespace faultline::targets::common
