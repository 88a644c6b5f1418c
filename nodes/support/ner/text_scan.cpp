#include "support/ner/text_scan.hpp"

#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::nodes::ner {

namespace {

// Bit i is set when byte i of the 64-byte block at `block` is an ASCII digit.
std::uint64_t digit_bits(const char* block) {
#if defined(__SSE2__)
  // Adding 0x50 maps '0'..'9' to the ten smallest signed bytes, -128..-119.
  const __m128i shift = _mm_set1_epi8(static_cast<char>(0x80 - '0'));
  const __m128i limit = _mm_set1_epi8(static_cast<char>(-118));
  std::uint64_t bits = 0;
  for (int k = 0; k < 4; ++k) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * k));
    const int mask = _mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(bytes, shift), limit));
    bits |= static_cast<std::uint64_t>(static_cast<std::uint16_t>(mask)) << (16 * k);
  }
  return bits;
#else
  std::uint64_t bits = 0;
  for (unsigned i = 0; i < 64; ++i) {
    bits |= static_cast<std::uint64_t>(block[i] >= '0' && block[i] <= '9') << i;
  }
  return bits;
#endif
}

}  // namespace

// Every maximal ASCII digit run, from per-block digit bitmasks: run starts and ends are bit
// edges, each found with one count-trailing-zeros (no per-byte branches).
void collect_digit_runs(std::string_view text, std::vector<Span>& runs) {
  runs.clear();
  const std::size_t n = text.size();
  std::uint64_t carry = 0;  // 1 when the byte before the block is a digit
  std::size_t pending = 0;  // index of the first run whose end is not known yet
  for (std::size_t base = 0; base < n; base += 64) {
    std::uint64_t bits;
    if (n - base >= 64) {
      bits = digit_bits(text.data() + base);
    } else if (n >= 64) {
      // The last partial block: test the text's last 64 bytes and drop the ones already seen.
      bits = digit_bits(text.data() + n - 64) >> (64 - (n - base));
    } else {
      // Most utterances are shorter than one block: pad with zeros (not digits) and take the
      // SIMD path instead of testing byte by byte.
      char padded[64] = {};
      std::memcpy(padded, text.data(), n);
      bits = digit_bits(padded);
    }
    const std::uint64_t after_digit = bits << 1 | carry;  // bit i: byte i-1 is a digit
    std::uint64_t starts = bits & ~after_digit;
    std::uint64_t ends = ~bits & after_digit;  // bit i: byte i ends a run
    carry = bits >> 63;
    for (; starts != 0; starts &= starts - 1) {
      runs.push_back({base + static_cast<std::size_t>(std::countr_zero(starts)), 0});
    }
    for (; ends != 0; ends &= ends - 1) {
      runs[pending++].end = base + static_cast<std::size_t>(std::countr_zero(ends));
    }
  }
  if (pending < runs.size()) runs[pending].end = n;
}

}  // namespace sluice::nodes::ner
