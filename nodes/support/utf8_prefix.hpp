#pragma once
/// utf8_prefix: the longest start of a text that fits a byte limit without cutting a UTF-8
/// sequence in two, for texts kept short in messages and problem records.

#include <cstddef>
#include <string_view>

namespace sluice::nodes {

/// `text` itself when it fits `max_bytes`; otherwise its first `max_bytes` bytes, backed off to
/// the start of the sequence the cut would split (continuation bytes are 10xxxxxx).
inline std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

}  // namespace sluice::nodes
