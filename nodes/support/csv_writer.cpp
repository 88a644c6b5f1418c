#include "csv_writer.hpp"

#include <algorithm>
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

inline std::uint64_t load_word(const char* p) {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

inline std::uint32_t load_half_word(const char* p) {
  std::uint32_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

#if defined(__SSE2__)
// Most fields need no quoting, so this check is on the hot path. Every field of 4+ bytes is
// checked with 16-byte compares: long ones 16 bytes per step (the last step overlapping the one
// before), shorter ones as two overlapping 8- or 4-byte loads packed into one vector, so no field
// pays a byte loop or a read past its end. Only fields under 4 bytes loop.
bool has_special_byte(std::string_view field, char delimiter, char quote) {
  const char* p = field.data();
  const std::size_t n = field.size();
  if (n < 4) {
    for (std::size_t i = 0; i < n; ++i) {
      if (is_special(p[i], delimiter, quote)) return true;
    }
    return false;
  }
  const __m128i d = _mm_set1_epi8(delimiter);
  const __m128i q = _mm_set1_epi8(quote);
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  auto hit = [&](__m128i v) {
    const __m128i any = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, q)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
    return _mm_movemask_epi8(any) != 0;
  };
  if (n < 8) {
    const auto head = static_cast<int>(load_half_word(p));
    const auto tail = static_cast<int>(load_half_word(p + n - 4));
    return hit(_mm_set_epi32(head, tail, head, tail));
  }
  if (n < 16) {
    return hit(_mm_set_epi64x(static_cast<long long>(load_word(p)),
                              static_cast<long long>(load_word(p + n - 8))));
  }
  auto load = [](const char* at) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(at)); };
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    if (hit(load(p + i))) return true;
  }
  return i < n && hit(load(p + n - 16));
}
#else
// SWAR: true when some byte of `word` equals the byte replicated in `pattern`.
inline bool word_has(std::uint64_t word, std::uint64_t pattern) {
  constexpr std::uint64_t kLow = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  const std::uint64_t x = word ^ pattern;
  return ((x - kLow) & ~x & kHigh) != 0;
}

// Fields of 8+ bytes are checked 8 bytes per step, the last step overlapping the one before.
bool has_special_byte(std::string_view field, char delimiter, char quote) {
  const char* p = field.data();
  const std::size_t n = field.size();
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
#endif

// Inline, so the most common value of all, an empty one, costs a compare and no call.
inline bool needs_quotes(std::string_view field, char delimiter, char quote) {
  return !field.empty() && has_special_byte(field, delimiter, quote);
}

// Most records are written through a small buffer that stays in L1: a record checks once that
// its largest possible size fits, then is written with a plain pointer, and full buffers go to
// the output string in one append. Written piece by piece into the string, every delimiter and
// value would pay std::string's capacity check, size update and terminator store.
template <class String>
class AppendBuffer {
 public:
  explicit AppendBuffer(String& out) : out_(out) {}

  /// Room for `bytes` more bytes (flushing first when needed), or null when `bytes` is more than
  /// the buffer holds. Write there, then pass the end of what was written to commit().
  char* room(std::size_t bytes) {
    if (bytes > kSize - used_) {
      flush();
      if (bytes > kSize) return nullptr;
    }
    return buffer_ + used_;
  }
  void commit(const char* end) { used_ = static_cast<std::size_t>(end - buffer_); }

  /// Appends what the buffer holds to the output; call before reading the output.
  void flush() {
    out_.append(buffer_, used_);
    used_ = 0;
  }

  /// The output itself, for records too large for the buffer (flush() first).
  String& out() { return out_; }

 private:
  static constexpr std::size_t kSize = 2048;
  String& out_;
  std::size_t used_ = 0;
  char buffer_[kSize];
};

// Most a field can take when written: every byte a doubled quote, plus the enclosing quotes.
std::size_t max_written_size(std::string_view field) { return 2 * field.size() + 2; }

char* copy(char* p, std::string_view text) {
  if (!text.empty()) std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

// Writes `field` at `p` in quotes, its quotes doubled, and returns the end.
char* write_quoted(char* p, std::string_view field, char quote) {
  *p++ = quote;
  for (const char c : field) {
    *p++ = c;
    if (c == quote) *p++ = quote;
  }
  *p++ = quote;
  return p;
}

// Writes `field` at `p`, quoted with its quotes doubled when it needs quotes, and returns the end.
// `p` must have room for max_written_size(field).
char* write_field(char* p, std::string_view field, char delimiter, char quote) {
  if (!needs_quotes(field, delimiter, quote)) return copy(p, field);
  return write_quoted(p, field, quote);
}

// A record's first field that starts with a UTF-8 byte order mark is quoted too: written first
// in a file, it would otherwise be read back without those bytes, as the file's BOM.
bool starts_with_bom(std::string_view text) { return text.starts_with("\xEF\xBB\xBF"); }

char* write_first_field(char* p, std::string_view field, char delimiter, char quote) {
  if (starts_with_bom(field)) return write_quoted(p, field, quote);
  return write_field(p, field, delimiter, quote);
}

// The same as write_field (or write_first_field), appended to a string: for records too large
// for the buffer.
template <class String>
void append_field(String& out, std::string_view field, char delimiter, char quote, bool first) {
  const std::size_t start = out.size();
  out.resize(start + max_written_size(field));
  char* const p = out.data() + start;
  char* const end = first ? write_first_field(p, field, delimiter, quote)
                          : write_field(p, field, delimiter, quote);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

std::string_view terminator_of(const WriterOptions& options) {
  return options.crlf ? std::string_view("\r\n") : std::string_view("\n");
}

template <class String>
void put_record(std::span<const std::string_view> fields, AppendBuffer<String>& buffer,
                const WriterOptions& options) {
  const char delimiter = options.dialect.delimiter;
  const char quote = options.dialect.quote;
  const std::string_view terminator = terminator_of(options);
  if (fields.size() == 1 && fields[0].empty()) {
    // Not an empty line, which would be read back as a (rejected) blank line.
    char* p = buffer.room(2 + terminator.size());
    *p++ = quote;
    *p++ = quote;
    buffer.commit(copy(p, terminator));
    return;
  }
  std::size_t bound = terminator.size();
  for (const std::string_view field : fields) bound += 1 + max_written_size(field);
  if (char* p = buffer.room(bound)) {
    if (!fields.empty()) p = write_first_field(p, fields[0], delimiter, quote);
    for (std::size_t i = 1; i < fields.size(); ++i) {
      *p++ = delimiter;
      p = write_field(p, fields[i], delimiter, quote);
    }
    buffer.commit(copy(p, terminator));
    return;
  }
  String& out = buffer.out();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) out.push_back(delimiter);
    append_field(out, fields[i], delimiter, quote, i == 0);
  }
  out.append(terminator);
}

// Out of line and called only for rare rows, so that append_rows' loop keeps its locals in
// registers.
template <class String>
[[gnu::noinline]] void put_row(const RowBatch& rows, std::size_t r, AppendBuffer<String>& buffer,
                               const WriterOptions& options) {
  put_record(rows.row(r), buffer, options);
}

template <class String>
void append_record_to(std::span<const std::string_view> fields, String& out,
                      const WriterOptions& options) {
  AppendBuffer<String> buffer(out);
  put_record(fields, buffer, options);
  buffer.flush();
}

template <class String>
void append_header_to(const Columns& columns, String& out, const WriterOptions& options) {
  const std::vector<std::string_view> names(columns.names.begin(), columns.names.end());
  append_record_to(names, out, options);
}

template <class String>
void append_rows_to(const RowBatch& rows, String& out, const WriterOptions& options) {
  const std::string_view terminator = terminator_of(options);
  const bool copy_raw = rows.has_raw() && rows.raw_delimiter() == options.dialect.delimiter &&
                        rows.raw_quote() == options.dialect.quote;
  AppendBuffer<String> buffer(out);
  if (!copy_raw) {
    // Exact size when nothing needs quoting; quoting only adds a little and growth covers it.
    out.reserve(out.size() + rows.field_bytes() + rows.size() * (rows.width() + terminator.size()));
    for (std::size_t r = 0; r < rows.size(); ++r) put_record(rows.row(r), buffer, options);
    buffer.flush();
    return;
  }
  // The leading columns are copied as they were read; only columns added since are written here.
  // Everything the loops read is in plain locals: the bytes stored through char pointers may
  // alias anything, so a value read through `rows` would be reloaded after every store.
  const std::size_t count = rows.size();
  if (count == 0) return;
  const std::size_t width = rows.width();
  const std::size_t raw_width = rows.raw_width();
  const std::size_t added = width - raw_width;
  const std::string_view* const first_added = rows.row(0).data() + raw_width;
  const char delimiter = options.dialect.delimiter;
  const char quote = options.dialect.quote;
  const bool crlf = options.crlf;
  // Room for the most the rows can take, so the string never grows (a growth copies everything
  // written so far): every added value counted as if it needed quotes. Capacity never written to
  // costs no memory, while exact sizes would need a pass over the added values first (memory
  // that is mostly out of cache by now, read twice).
  out.reserve(out.size() + rows.raw_bytes() + 2 * rows.bytes_past_raw() +
              count * (3 * added + terminator.size()));
  for (std::size_t r = 0; r < count; ++r) {
    const std::string_view raw = rows.raw(r);
    // Raw text is quoted only as it was read. Written field by field instead: a first field that
    // starts with a BOM (see write_first_field), and, when nothing follows the raw text, a last
    // field that ends with a CR, which the terminator after it would turn into a CRLF.
    if ((added == 0 && raw.ends_with('\r')) || starts_with_bom(raw)) [[unlikely]] {
      put_row(rows, r, buffer, options);
      continue;
    }
    const std::string_view* const values = first_added + r * width;
    std::size_t bound = raw.size() + added + terminator.size();
    for (std::size_t c = 0; c < added; ++c) bound += max_written_size(values[c]);
    if (char* p = buffer.room(bound)) {
      p = copy(p, raw);
      for (std::size_t c = 0; c < added; ++c) {
        *p++ = delimiter;
        // Most added values are empty (no entity of that kind): no call for those.
        if (!values[c].empty()) p = write_field(p, values[c], delimiter, quote);
      }
      if (crlf) *p++ = '\r';
      *p++ = '\n';
      buffer.commit(p);
      continue;
    }
    out.append(raw);
    for (std::size_t c = 0; c < added; ++c) {
      out.push_back(delimiter);
      append_field(out, values[c], delimiter, quote, false);
    }
    out.append(terminator);
  }
  buffer.flush();
}

}  // namespace

void append_record(std::span<const std::string_view> fields, std::string& out,
                   const WriterOptions& options) {
  append_record_to(fields, out, options);
}
void append_record(std::span<const std::string_view> fields, block_pool::String& out,
                   const WriterOptions& options) {
  append_record_to(fields, out, options);
}

void append_header(const Columns& columns, std::string& out, const WriterOptions& options) {
  append_header_to(columns, out, options);
}
void append_header(const Columns& columns, block_pool::String& out, const WriterOptions& options) {
  append_header_to(columns, out, options);
}

void append_rows(const RowBatch& rows, std::string& out, const WriterOptions& options) {
  append_rows_to(rows, out, options);
}
void append_rows(const RowBatch& rows, block_pool::String& out, const WriterOptions& options) {
  append_rows_to(rows, out, options);
}

}  // namespace sluice::csv
