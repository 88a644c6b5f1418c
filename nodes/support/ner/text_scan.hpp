#pragma once
/// Character tests shared by the NER recognizers: ASCII digits and word characters, UTF-8 code
/// points around a position, and the digit runs of a text. All functions are pure and
/// thread-safe; `text` is valid UTF-8 (the extractor checks once per text).

#include <cstddef>
#include <string_view>
#include <vector>

#include "support/ner/recognizer.hpp"

namespace sluice::nodes::ner {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

inline bool is_ascii_word(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
}

// Non-ASCII code points count as word characters (letters, marks) unless they sit in the common
// space, punctuation and symbol blocks; a number glued to a letter of any script is no number.
inline bool is_word_code_point(char32_t cp) {
  if (cp < 0x80) return is_ascii_word(static_cast<unsigned char>(cp));
  if (cp < 0xC0) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;
  if (cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;
  if (cp >= 0x3000 && cp <= 0x303F) return false;
  if (cp >= 0xFF00 && cp <= 0xFF20) return false;
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;
  return true;
}

inline char32_t decode_at(std::string_view text, std::size_t pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char lead = p[pos];
  const std::size_t extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
  char32_t cp = extra == 0 ? lead : lead & (0x3F >> extra);
  for (std::size_t i = 1; i <= extra && pos + i < text.size(); ++i) {
    cp = (cp << 6) | (p[pos + i] & 0x3F);
  }
  return cp;
}

inline bool word_at(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return false;
  const auto c = static_cast<unsigned char>(text[pos]);
  return c < 0x80 ? is_ascii_word(c) : is_word_code_point(decode_at(text, pos));
}

inline bool word_before(std::string_view text, std::size_t pos) {
  if (pos == 0) return false;
  const auto c = static_cast<unsigned char>(text[pos - 1]);
  if (c < 0x80) return is_ascii_word(c);
  std::size_t lead = pos - 1;
  while (lead > 0 && pos - lead < 4 && (static_cast<unsigned char>(text[lead]) & 0xC0) == 0x80) {
    --lead;
  }
  return is_word_code_point(decode_at(text, lead));
}

/// Every maximal run of ASCII digits in `text`, in order (replaces the contents of `runs`).
/// Scans 64 bytes at a time: digit recognizers share one call per text.
void collect_digit_runs(std::string_view text, std::vector<Span>& runs);

}  // namespace sluice::nodes::ner
