#pragma once
// Frames on a TCP byte stream: a u32 little-endian payload length, then the payload.
// append_frame() is called by senders (Connection::send); FrameDecoder by the reader of
// one connection, which feeds it whatever read() returned and pops whole frames. A frame
// longer than the maximum is an error that the reader answers by closing the
// connection. Not thread-safe; one FrameDecoder per connection.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace faultline::targets::common {

inline constexpr size_t kFrameHeaderBytes = 4;
inline constexpr size_t kDefaultMaxFrameBytes = size_t{64} << 20;  // 64 MiB

// Appends the header and the payload to `out`. Precondition: payload.size() fits in a
// u32 (callers check it against their maximum first).
void append_frame(std::string& out, std::string_view payload);

class FrameDecoder {
 public:
  explicit FrameDecoder(size_t max_frame_bytes = kDefaultMaxFrameBytes)
      : max_frame_bytes_(max_frame_bytes) {}

  // Takes the next bytes of the stream. An error (a header announcing more than the
  // maximum) is sticky: the stream cannot be resynchronised, so the caller closes it.
  // Frames completed before the bad header can still be popped.
  base::Status feed(std::string_view bytes);
  // The oldest complete frame not yet popped, if any.
  std::optional<std::string> pop();

  bool failed() const { return !error_.empty(); }
  // Bytes held for a frame not yet complete.
  size_t partial_bytes() const { return partial_.size(); }
  size_t max_frame_bytes() const { return max_frame_bytes_; }

 private:
  base::Status oversize(uint32_t len);
  size_t max_frame_bytes_;
  std::string partial_;             // an incomplete header or frame
  std::deque<std::string> ready_;   // complete payloads in arrival order
  std::string error_;
};

}  // namespace faultline::targets::common
