#pragma once
// Test bytes that differ from page to page and within each page, so that a block or page written
// twice, lost or out of place shows in a comparison.

#include <algorithm>
#include <cstddef>
#include <string>

namespace sluice::testing {

inline std::string patterned_bytes(std::size_t size) {
  // The pattern repeats every 26 pages: compute that once, then copy it (fuzz harnesses under
  // AddressSanitizer ask for many MiB per run, where a byte-by-byte loop dominated).
  constexpr std::size_t kPeriod = 26 * 4096;
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < std::min(size, kPeriod); ++i) {
    bytes[i] = static_cast<char>('a' + (i / 4096 + i) % 26);
  }
  for (std::size_t at = kPeriod; at < size; at += kPeriod) {
    const std::size_t count = std::min(kPeriod, size - at);
    bytes.replace(at, count, bytes, 0, count);
  }
  return bytes;
}

}  // namespace sluice::testing
