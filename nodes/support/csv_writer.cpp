#include "csv_writer.hpp"

#include <cstdint>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::csv {

namespace {

inline bool is_special(char c, char delimiter, char quote) {
  return c == delimiter || c == quote || c == '\n' || c == '\r';
}

// SWAR: true when some byte of `word` equals the byte replicated in `pattern`.
inline bool word_has(std::uint64_t word, std::uint64_t pattern) {
  constexpr std::uint64_t kLow = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  const std::uint64_t x = word ^ pattern;
  return ((x - kLow) & ~x & kHigh) != 0;
}

inline std::uint64_t load_word(const char* p) {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// Most fields need no quoting, so this check is on the hot path. Fields of 16+ bytes are checked
// 16 bytes per step with SSE2, 8..15 bytes with two overlapping 8-byte SWAR words; the last step
// overlaps the previous one instead of falling back to a byte loop. Only tiny fields loop.
bool needs_quotes(std::string_view field, char delimiter, char quote) {
  const char* p = field.data();
  const std::size_t n = field.size();
#if defined(__SSE2__)
  if (n >= 16) {
    const __m128i d = _mm_set1_epi8(delimiter);
    const __m128i q = _mm_set1_epi8(quote);
    const __m128i lf = _mm_set1_epi8('\n');
    const __m128i cr = _mm_set1_epi8('\r');
    auto hit = [&](const char* at) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
      const __m128i any = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, q)),
                                       _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
      return _mm_movemask_epi8(any) != 0;
    };
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      if (hit(p + i)) return true;
    }
    return i < n && hit(p + n - 16);
  }
#endif
  if (n >= 8) {
    constexpr std::uint64_t kLow = 0x0101010101010101ULL;
    const std::uint64_t d = kLow * static_cast<unsigned char>(delimiter);
    const std::uint64_t q = kLow * static_cast<unsigned char>(quote);
    const std::uint64_t lf = kLow * static_cast<unsigned char>('\n');
    const std::uint64_t cr = kLow * static_cast<unsigned char>('\r');
    auto hit = [&](std::uint64_t w) {
      return word_has(w, d) || word_has(w, q) || word_has(w, lf) || word_has(w, cr);
    };
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      if (hit(load_word(p + i))) return true;
    }
    return i < n && hit(load_word(p + n - 8));
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (is_special(p[i], delimiter, quote)) return true;
  }
  return false;
}

void append_quoted(std::string_view field, char quote, std::string& out) {
  out.push_back(quote);
  std::size_t from = 0;
  for (std::size_t at = field.find(quote); at != std::string_view::npos;
       at = field.find(quote, at + 1)) {
    out.append(field.substr(from, at + 1 - from));
    out.push_back(quote);
    from = at + 1;
  }
  out.append(field.substr(from));
  out.push_back(quote);
}

}  // namespace

void append_record(std::span<const std::string_view> fields, std::string& out,
                   const WriterOptions& options) {
  const char delimiter = options.dialect.delimiter;
  const char quote = options.dialect.quote;
  const std::size_t terminator = options.crlf ? 2 : 1;

  // Fast path: no field needs quoting, so the record's size is known; grow once and copy.
  bool plain = !(fields.size() == 1 && fields[0].empty());
  std::size_t size = fields.empty() ? terminator : fields.size() - 1 + terminator;
  for (std::size_t i = 0; plain && i < fields.size(); ++i) {
    size += fields[i].size();
    plain = !needs_quotes(fields[i], delimiter, quote);
  }
  if (plain) {
    const std::size_t start = out.size();
    out.resize(start + size);
    char* dst = out.data() + start;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i != 0) *dst++ = delimiter;
      if (!fields[i].empty()) std::memcpy(dst, fields[i].data(), fields[i].size());
      dst += fields[i].size();
    }
    if (options.crlf) *dst++ = '\r';
    *dst = '\n';
    return;
  }

  if (fields.size() == 1 && fields[0].empty()) {
    out.push_back(quote);
    out.push_back(quote);
  } else {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i != 0) out.push_back(delimiter);
      if (needs_quotes(fields[i], delimiter, quote)) {
        append_quoted(fields[i], quote, out);
      } else {
        out.append(fields[i]);
      }
    }
  }
  if (options.crlf) out.push_back('\r');
  out.push_back('\n');
}

void append_header(const Columns& columns, std::string& out, const WriterOptions& options) {
  const std::vector<std::string_view> names(columns.names.begin(), columns.names.end());
  append_record(names, out, options);
}

void append_rows(const RowBatch& rows, std::string& out, const WriterOptions& options) {
  const std::size_t per_row = rows.width() + (options.crlf ? 2 : 1);
  // Exact size when nothing needs quoting; quoting only adds a little and amortized growth covers it.
  out.reserve(out.size() + rows.field_bytes() + rows.size() * per_row);
  const bool copy_raw = rows.has_raw() && rows.raw_delimiter() == options.dialect.delimiter &&
                        rows.raw_quote() == options.dialect.quote;
  if (!copy_raw) {
    for (std::size_t r = 0; r < rows.size(); ++r) append_record(rows.row(r), out, options);
    return;
  }
  // The leading columns are copied as they were read; only columns added since are written here.
  const std::size_t raw_width = rows.raw_width();
  const char delimiter = options.dialect.delimiter;
  const char quote = options.dialect.quote;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out.append(rows.raw(r));
    const auto row = rows.row(r);
    for (std::size_t c = raw_width; c < row.size(); ++c) {
      out.push_back(delimiter);
      if (needs_quotes(row[c], delimiter, quote)) {
        append_quoted(row[c], quote, out);
      } else {
        out.append(row[c]);
      }
    }
    if (options.crlf) out.push_back('\r');
    out.push_back('\n');
  }
}

}  // namespace sluice::csv
