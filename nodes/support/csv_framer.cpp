#include "csv_framer.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

#include "sluice/status.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::csv {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::size_t kWindow = 64;

struct Masks {
  std::uint64_t newline;
  std::uint64_t quote;
};

// Bit i of each mask tells whether window byte i is an LF / a quote. The whole scan is driven by
// these masks, so the common case (a window without quotes) costs a few vector ops and popcounts.
#if defined(__SSE2__)
inline std::uint64_t movemask64(__m128i a, __m128i b, __m128i c, __m128i d) {
  const auto lo = static_cast<std::uint32_t>(_mm_movemask_epi8(a)) |
                  (static_cast<std::uint32_t>(_mm_movemask_epi8(b)) << 16);
  const auto hi = static_cast<std::uint32_t>(_mm_movemask_epi8(c)) |
                  (static_cast<std::uint32_t>(_mm_movemask_epi8(d)) << 16);
  return static_cast<std::uint64_t>(lo) | (static_cast<std::uint64_t>(hi) << 32);
}

inline Masks window_masks(const char* p, char quote) {
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
  const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32));
  const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48));
  const __m128i nl = _mm_set1_epi8('\n');
  const __m128i qt = _mm_set1_epi8(quote);
  return {movemask64(_mm_cmpeq_epi8(a, nl), _mm_cmpeq_epi8(b, nl), _mm_cmpeq_epi8(c, nl),
                     _mm_cmpeq_epi8(d, nl)),
          movemask64(_mm_cmpeq_epi8(a, qt), _mm_cmpeq_epi8(b, qt), _mm_cmpeq_epi8(c, qt),
                     _mm_cmpeq_epi8(d, qt))};
}
#else
inline Masks window_masks(const char* p, char quote) {
  Masks m{0, 0};
  for (std::size_t i = 0; i < kWindow; ++i) {
    m.newline |= static_cast<std::uint64_t>(p[i] == '\n') << i;
    m.quote |= static_cast<std::uint64_t>(p[i] == quote) << i;
  }
  return m;
}
#endif

// Bits 0..p set, p in [0, 63] (for p = 63, 2 << 63 wraps to 0 and 0 - 1 to all ones).
inline std::uint64_t through(int p) { return (std::uint64_t{2} << p) - 1; }

}  // namespace

CsvFramer::CsvFramer(Dialect dialect) : dialect_(dialect) {}

RecordBlock CsvFramer::empty_block() const {
  RecordBlock block;
  block.first_row = next_row_;
  block.first_line = next_line_;
  block.byte_offset = carry_start_ + bom_size_;
  return block;
}

CsvFramer::ScanResult CsvFramer::scan(std::string_view bytes) {
  ScanResult result;
  const char* data = bytes.data();
  const std::size_t size = bytes.size();
  const char delimiter = dialect_.delimiter;
  std::uint64_t lines = 0;

  auto process = [&](Masks m, std::size_t base) {
    if (!in_quotes_ && m.quote == 0) {
      // Fast path: every LF in the window ends a record.
      const auto count = static_cast<std::uint64_t>(std::popcount(m.newline));
      if (count != 0 && result.records == 0) {
        result.first_end = base + static_cast<std::size_t>(std::countr_zero(m.newline)) + 1;
        result.lines_to_first_end = lines + 1;
      }
      lines += count;
      if (count != 0) {
        result.records += count;
        result.last_end = base + kWindow - static_cast<std::size_t>(std::countl_zero(m.newline));
        result.lines_to_end = lines;
      }
      return;
    }
    // Quotes present: walk LF and quote positions in order through the quote state machine.
    std::uint64_t events = m.newline | m.quote;
    while (events != 0) {
      if (in_quotes_) {
        // Inside a quoted field only the next quote matters; it closes the field for now. If the
        // byte after it is another quote, that quote reopens it (the "" escape).
        const std::uint64_t quotes = events & m.quote;
        if (quotes == 0) break;
        const int p = std::countr_zero(quotes);
        in_quotes_ = false;
        reopen_pos_ = scanned_ + base + static_cast<std::size_t>(p) + 1;
        events &= ~through(p);
        continue;
      }
      const int p = std::countr_zero(events);
      const std::uint64_t bit = std::uint64_t{1} << p;
      events &= events - 1;
      const std::size_t at = base + static_cast<std::size_t>(p);
      if ((m.newline & bit) != 0) {
        const std::uint64_t lines_through =
            lines + static_cast<std::uint64_t>(std::popcount(m.newline & through(p)));
        if (result.records == 0) {
          result.first_end = at + 1;
          result.lines_to_first_end = lines_through;
        }
        ++result.records;
        result.last_end = at + 1;
        result.lines_to_end = lines_through;
        continue;
      }
      // A quote opens a quoted field only at a field start (or right after a closing quote);
      // elsewhere it is a literal byte of an unquoted field.
      const char prev = at != 0 ? data[at - 1] : last_byte_;
      if (prev == delimiter || prev == '\n' || scanned_ + at == reopen_pos_) in_quotes_ = true;
    }
    lines += static_cast<std::uint64_t>(std::popcount(m.newline));
  };

  std::size_t i = 0;
  for (; i + kWindow <= size; i += kWindow) process(window_masks(data + i, dialect_.quote), i);
  if (i < size) {
    // The short tail goes through a zero-padded copy; bits past the end are masked off so the
    // padding can never look like a quote or LF.
    char padded[kWindow] = {};
    const std::size_t rest = size - i;
    std::memcpy(padded, data + i, rest);
    Masks m = window_masks(padded, dialect_.quote);
    const std::uint64_t valid = (std::uint64_t{1} << rest) - 1;
    m.newline &= valid;
    m.quote &= valid;
    process(m, i);
  }
  result.lines_total = lines;
  if (size != 0) last_byte_ = data[size - 1];
  scanned_ += size;
  return result;
}

RecordBlocks CsvFramer::absorb(std::shared_ptr<const void> owner, std::string_view bytes) {
  const ScanResult scanned = scan(bytes);
  RecordBlocks blocks;
  if (scanned.records == 0) {
    carry_.append(bytes);
    carry_lines_ += scanned.lines_total;
    return blocks;
  }
  std::size_t own_begin = 0;           // where this chunk's own records start
  std::uint64_t lines_before_own = 0;  // LF bytes in [0, own_begin)
  std::uint64_t own_records = scanned.records;
  if (!carry_.empty()) {
    // The carried record ends at this chunk's first terminator. Only that record is copied; the
    // chunk's other records stay a view (copying the whole chunk to join them was a third of the
    // framer's instructions).
    auto joined = std::make_shared<std::string>();
    joined->reserve(carry_.size() + scanned.first_end);
    joined->append(carry_);
    joined->append(bytes.substr(0, scanned.first_end));
    RecordBlock spanning = empty_block();
    spanning.record_count = 1;
    spanning.bytes = *joined;
    spanning.owner = std::move(joined);
    next_row_ += 1;
    next_line_ += carry_lines_ + scanned.lines_to_first_end;
    carry_start_ += spanning.bytes.size();
    carry_.clear();
    carry_lines_ = 0;
    blocks.push_back(std::move(spanning));
    own_begin = scanned.first_end;
    lines_before_own = scanned.lines_to_first_end;
    own_records -= 1;
  }
  if (own_records != 0) {
    RecordBlock block = empty_block();
    block.record_count = own_records;
    block.owner = std::move(owner);
    block.bytes = bytes.substr(own_begin, scanned.last_end - own_begin);
    next_row_ += own_records;
    next_line_ += scanned.lines_to_end - lines_before_own;
    carry_start_ += block.bytes.size();
    blocks.push_back(std::move(block));
  }
  carry_.assign(bytes.substr(scanned.last_end));
  carry_lines_ = scanned.lines_total - scanned.lines_to_end;
  return blocks;
}

RecordBlocks CsvFramer::feed(std::shared_ptr<const std::string> chunk) {
  if (!chunk) return feed(nullptr, std::string_view());
  const std::string_view bytes = *chunk;
  return feed(std::move(chunk), bytes);
}

RecordBlocks CsvFramer::feed(std::shared_ptr<const void> owner, std::string_view bytes) {
  if (finished_) throw Error(StatusCode::internal, "CsvFramer::feed called after finish()");
  if (bytes.empty()) return {};
  if (!bom_decided_) {
    const std::size_t take = std::min(kBom.size() - bom_probe_.size(), bytes.size());
    const std::size_t held = bom_probe_.size();
    bom_probe_.append(bytes.substr(0, take));
    if (bom_probe_.size() < kBom.size() && kBom.starts_with(bom_probe_)) return {};
    bom_decided_ = true;
    if (bom_probe_ == kBom) {
      bom_size_ = kBom.size();
      bytes.remove_prefix(take);
    } else if (held != 0) {
      // Bytes held back from earlier (tiny) chunks turned out to be data. Being the start of a
      // BOM they hold no terminator, so they only begin the first record.
      absorb(nullptr, std::string_view(bom_probe_).substr(0, held));
    }
    bom_probe_.clear();
    if (bytes.empty()) return {};
  }
  return absorb(std::move(owner), bytes);
}

RecordBlock CsvFramer::finish() {
  if (finished_) return empty_block();
  finished_ = true;
  if (!bom_decided_) {
    // The whole stream is shorter than a BOM: what was held back is data (without a terminator,
    // being the start of a BOM).
    bom_decided_ = true;
    absorb(nullptr, bom_probe_);
    bom_probe_.clear();
  }
  RecordBlock block = empty_block();
  if (carry_.empty()) return block;
  auto last = std::make_shared<const std::string>(std::move(carry_));
  block.bytes = *last;
  block.owner = std::move(last);
  block.record_count = 1;
  block.unterminated_quote = in_quotes_;
  next_row_ += 1;
  next_line_ += carry_lines_;
  carry_start_ += block.bytes.size();
  carry_.clear();
  carry_lines_ = 0;
  return block;
}

}  // namespace sluice::csv
