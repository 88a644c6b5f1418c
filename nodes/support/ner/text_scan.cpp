#include "support/ner/text_scan.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::nodes::ner {

namespace {

#if defined(__SSE2__)

// Bit i is set when byte i of the 16 bytes at `p` is an ASCII digit.
std::uint64_t digit_bits16(const char* p) {
  // Adding 0x50 maps '0'..'9' to the ten smallest signed bytes, -128..-119.
  const __m128i shift = _mm_set1_epi8(static_cast<char>(0x80 - '0'));
  const __m128i limit = _mm_set1_epi8(static_cast<char>(-118));
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const int mask = _mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(bytes, shift), limit));
  return static_cast<std::uint16_t>(mask);
}

#else

std::uint64_t digit_bits16(const char* p) {
  std::uint64_t bits = 0;
  for (unsigned i = 0; i < 16; ++i) bits |= static_cast<std::uint64_t>(is_digit(p[i])) << i;
  return bits;
}

#endif

// Bit i is set when byte i of the 64 bytes at `block` is an ASCII digit.
std::uint64_t digit_bits64(const char* block) {
  return digit_bits16(block) | digit_bits16(block + 16) << 16 | digit_bits16(block + 32) << 32 |
         digit_bits16(block + 48) << 48;
}

// The same for a text of n <= 64 bytes (bits n and up clear), reading only the text's bytes.
// Most utterances are this short. From 16 bytes on, four 16-byte loads at 0, 16, 32, 48, each
// moved back to end at the text's end when it would run past it: overlapping loads see the same
// bytes and set the same bits, so no branch on the length and no copy into a padded buffer
// (reading back a freshly copied buffer stalls on store-to-load forwarding).
std::uint64_t digit_bits_short(const char* p, std::size_t n) {
  if (n >= 16) {
    std::uint64_t bits = 0;
    for (std::size_t k = 0; k < 64; k += 16) {
      const std::size_t offset = std::min(k, n - 16);
      bits |= digit_bits16(p + offset) << offset;
    }
    return bits;
  }
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < n; ++i) bits |= static_cast<std::uint64_t>(is_digit(p[i])) << i;
  return bits;
}

}  // namespace

// Every maximal ASCII digit run, from per-block digit bitmasks: run starts and ends are bit
// edges, each found with one count-trailing-zeros (no per-byte branches). Within a block the k-th
// start pairs with the k-th end, so one loop emits whole runs; a run still open at the end of a
// block gets end = block end (countr_zero(0) is 64) and is closed by the next block's first end.
void collect_digit_runs(std::string_view text, std::vector<Span>& runs) {
  runs.clear();
  const std::size_t n = text.size();
  std::uint64_t carry = 0;  // 1 when the byte before the block is a digit
  for (std::size_t base = 0; base < n; base += 64) {
    std::uint64_t bits;
    if (n - base >= 64) {
      bits = digit_bits64(text.data() + base);
    } else if (n >= 64) {
      // The last partial block: test the text's last 64 bytes and drop the ones already seen.
      bits = digit_bits64(text.data() + n - 64) >> (64 - (n - base));
    } else {
      bits = digit_bits_short(text.data(), n);
    }
    const std::uint64_t after_digit = bits << 1 | carry;  // bit i: byte i-1 is a digit
    std::uint64_t starts = bits & ~after_digit;
    std::uint64_t ends = ~bits & after_digit;  // bit i: byte i ends a run
    if (carry != 0) {
      runs.back().end = base + static_cast<std::size_t>(std::countr_zero(ends));
      ends &= ends - 1;
    }
    carry = bits >> 63;
    for (; starts != 0; starts &= starts - 1, ends &= ends - 1) {
      runs.push_back({base + static_cast<std::size_t>(std::countr_zero(starts)),
                      base + static_cast<std::size_t>(std::countr_zero(ends))});
    }
  }
}

}  // namespace sluice::nodes::ner
