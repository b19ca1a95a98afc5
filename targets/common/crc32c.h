#pragma once
// CRC-32C (Castagnoli), the checksum of every WAL record. Table-driven, no dependency.
// Chains: crc32c(b, crc32c(a)) == crc32c(a + b). Pure function; thread-safe.

#include <cstdint>
#include <string_view>

namespace faultline::targets::common {

uint32_t crc32c(std::string_view data, uint32_t previous = 0);

}  // namespace faultline::targets::common
