#pragma once
// Test bytes that differ from page to page and within each page, so that a block or page written
// twice, lost or out of place shows in a comparison.

#include <cstddef>
#include <string>

namespace sluice::testing {

inline std::string patterned_bytes(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + (i / 4096 + i) % 26);
  return bytes;
}

}  // namespace sluice::testing
