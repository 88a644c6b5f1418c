#include "csv_row_parser.hpp"

#include "support/utf8_prefix.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <span>
#include <unordered_map>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__SSSE3__)
#include <tmmintrin.h>
#endif

namespace sluice::csv {

namespace {

constexpr std::size_t kWindow = 64;
// Records parsed before parse_rows guesses the block's record count when it was not given.
constexpr std::uint64_t kRecordsToEstimateFrom = 256;

// Hands out the positions of the special bytes of a text (delimiter, quote, LF) in increasing
// order. It keeps a 64-bit mask of those bytes for one 64-byte window, so the next position costs a
// count-trailing-zeros and clearing the lowest bit instead of a byte loop. Every special byte means
// something to the record state machine below, so it consumes them one by one and never seeks.
class SpecialBytes {
 public:
  SpecialBytes(std::string_view text, const Dialect& dialect)
      : data_(text.data()), size_(text.size()), delimiter_(dialect.delimiter),
        quote_(dialect.quote) {
#if defined(__SSSE3__)
    use_lookup_ = nibble_lookup_works(dialect);
    if (use_lookup_) lookup_ = nibble_lookup(dialect);
#endif
    if (size_ != 0) load();
  }

  /// Position of the next special byte not returned yet, or the text size when none is left.
  std::size_t pop() {
    while (mask_ == 0) {
      if (base_ + kWindow >= size_) return size_;
      base_ += kWindow;
      load();
    }
    const std::size_t at = base_ + static_cast<std::size_t>(std::countr_zero(mask_));
    mask_ &= mask_ - 1;
    return at;
  }

 private:
  void load() {
    if (base_ + kWindow <= size_) {
      mask_ = window_mask(data_ + base_);
      return;
    }
    // Short tail: scan a padded copy and drop the bits of the padding.
    char padded[kWindow] = {};
    const std::size_t rest = size_ - base_;
    std::memcpy(padded, data_ + base_, rest);
    mask_ = window_mask(padded) & ((std::uint64_t{1} << rest) - 1);
  }

#if defined(__SSSE3__)
  // One table lookup per 16 bytes finds all three special bytes, instead of three compares, when
  // the low 4 bits of the delimiter, the quote and LF differ (they do for ',' ';' '\t' '|' with
  // '"' or '\''): the table holds, at each of those three nibbles, the special byte ending in it,
  // and a byte is special when it equals the entry at its own low nibble. Every other entry ends in
  // a nibble other than its index, so no byte matches it. Benchmark: node_bench csv_parse/split.
  static int low_nibble(char c) { return static_cast<unsigned char>(c) & 0x0F; }

  static bool nibble_lookup_works(const Dialect& dialect) {
    const int d = low_nibble(dialect.delimiter);
    const int q = low_nibble(dialect.quote);
    const int lf = low_nibble('\n');
    return d != q && d != lf && q != lf;
  }

  static __m128i nibble_lookup(const Dialect& dialect) {
    alignas(16) char table[16];
    for (int i = 0; i < 16; ++i) table[i] = i == 0 ? 1 : 0;
    table[low_nibble(dialect.delimiter)] = dialect.delimiter;
    table[low_nibble(dialect.quote)] = dialect.quote;
    table[low_nibble('\n')] = '\n';
    return _mm_load_si128(reinterpret_cast<const __m128i*>(table));
  }
#endif

#if defined(__SSE2__)
  std::uint64_t window_mask(const char* p) const {
#if defined(__SSSE3__)
    if (use_lookup_) {
      const __m128i low_bits = _mm_set1_epi8(0x0F);
      auto part = [&](const char* at) -> std::uint64_t {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
        const __m128i special = _mm_shuffle_epi8(lookup_, _mm_and_si128(v, low_bits));
        return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, special)));
      };
      return part(p) | (part(p + 16) << 16) | (part(p + 32) << 32) | (part(p + 48) << 48);
    }
#endif
    const __m128i delimiter = _mm_set1_epi8(delimiter_);
    const __m128i quote = _mm_set1_epi8(quote_);
    const __m128i newline = _mm_set1_epi8('\n');
    auto part = [&](const char* at) -> std::uint64_t {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
      const __m128i hit = _mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(v, delimiter), _mm_cmpeq_epi8(v, quote)),
          _mm_cmpeq_epi8(v, newline));
      return static_cast<std::uint32_t>(_mm_movemask_epi8(hit));
    };
    return part(p) | (part(p + 16) << 16) | (part(p + 32) << 32) | (part(p + 48) << 48);
  }
#else
  std::uint64_t window_mask(const char* p) const {
    std::uint64_t mask = 0;
    for (std::size_t i = 0; i < kWindow; ++i) {
      const bool hit = p[i] == delimiter_ || p[i] == quote_ || p[i] == '\n';
      mask |= static_cast<std::uint64_t>(hit) << i;
    }
    return mask;
  }
#endif

  const char* data_;
  std::size_t size_;
  char delimiter_;
  char quote_;
  std::size_t base_ = 0;
  std::uint64_t mask_ = 0;
#if defined(__SSSE3__)
  bool use_lookup_ = false;
  __m128i lookup_;
#endif
};

enum class Flaw : std::uint8_t { none, junk_after_quote, unclosed_quote };

struct RecordScan {
  std::size_t start = 0;        // first byte of the record
  std::size_t end = 0;          // one past the terminator (or the text size)
  std::size_t content_end = 0;  // end of the record without its terminator
  std::size_t fields = 0;
  std::uint64_t inner_lines = 0;  // LF bytes inside quoted fields
  std::size_t quote_bytes = 0;    // quotes that are in no value: 2 per quoted field, 1 per ""
  Flaw flaw = Flaw::none;
  std::size_t flaw_field = 0;  // 1-based
  char flaw_char = 0;
  bool first_quoted = false;

  std::string_view raw(std::string_view text) const {
    return text.substr(start, content_end - start);
  }
  // A record that is only a terminator (an empty quoted field "" is not blank).
  bool blank() const { return fields == 1 && !first_quoted && content_end == start; }
  // Total size of the field values of a well-formed record, without a pass over the fields.
  std::size_t value_bytes() const { return content_end - start - (fields - 1) - quote_bytes; }
};

// Reads the records of a text one after the other. This is the same state machine as
// CsvFramer::scan (a quote opens a field only at field start; after junk the rest of the field is
// unquoted), so both agree on where records end even for malformed input.
class RecordReader {
 public:
  RecordReader(std::string_view text, const Dialect& dialect)
      : text_(text), specials_(text, dialect), delimiter_(dialect.delimiter),
        quote_(dialect.quote) {}

  bool done() const { return next_start_ >= text_.size(); }

  /// Reads the next record. The values of its first `slots.size()` fields go to `slots` (fields
  /// with "" escapes are rebuilt in `arena`, which may be null when `slots` is empty); the rest
  /// are only counted, so a row of the wrong width costs no allocation.
  ///
  /// Always inlined, and working on local copies of the reader's state: the stores into `slots`
  /// could otherwise alias that state, and the compiler would reload and store it around every
  /// field instead of keeping it in registers from one record to the next.
  [[gnu::always_inline]] inline RecordScan read(std::span<std::string_view> slots, Arena* arena) {
    const char* const t = text_.data();
    const std::size_t n = text_.size();
    const char delimiter = delimiter_;
    const char quote = quote_;
    SpecialBytes specials = specials_;
    const std::size_t start = next_start_;
    std::size_t field_start = start;
    std::size_t field = 0;  // 0-based index of the field being read
    RecordScan r;
    r.start = start;
    // Ends a record whose last, unquoted field stops at `e` (an LF or the end of the text); a CR
    // right before that point belongs to the terminator.
    auto finish_unquoted = [&](std::size_t e) {
      r.end = e < n ? e + 1 : n;
      r.content_end = (e > start && t[e - 1] == '\r') ? e - 1 : e;
      if (field < slots.size()) {
        slots[field] = std::string_view(
            t + field_start, r.content_end > field_start ? r.content_end - field_start : 0);
      }
    };
    for (;;) {
      const std::size_t at = specials.pop();
      if (at >= n) {
        finish_unquoted(n);
        break;
      }
      const char c = t[at];
      if (c == delimiter) {
        if (field < slots.size()) slots[field] = std::string_view(t + field_start, at - field_start);
        ++field;
        field_start = at + 1;
        continue;
      }
      if (c == '\n') {
        finish_unquoted(at);
        break;
      }
      if (at != field_start) continue;  // a quote inside an unquoted field is a literal byte

      // A quoted field: runs to the quote that is not the first of a "" pair.
      if (field == 0) r.first_quoted = true;
      r.quote_bytes += 2;
      bool escaped = false;
      std::size_t close = 0;
      for (;;) {
        close = specials.pop();
        if (close >= n || t[close] == quote) {
          if (close + 1 < n && t[close + 1] == quote) {
            specials.pop();  // the second quote of ""
            ++r.quote_bytes;
            escaped = true;
            continue;
          }
          break;
        }
        if (t[close] == '\n') ++r.inner_lines;
      }
      if (close >= n) {
        r.flaw = Flaw::unclosed_quote;
        r.flaw_field = field + 1;
        r.end = r.content_end = n;
        break;
      }
      if (field < slots.size()) {
        const std::string_view content(t + at + 1, close - at - 1);
        slots[field] = escaped ? unescape(content, *arena) : content;
      }
      const std::size_t after = close + 1;
      if (after >= n) {
        r.end = r.content_end = n;
        break;
      }
      const char next = t[after];
      if (next == delimiter) {
        specials.pop();
        ++field;
        field_start = after + 1;
        continue;
      }
      if (next == '\n') {
        specials.pop();
        r.content_end = after;
        r.end = after + 1;
        break;
      }
      if (next == '\r' && (after + 1 == n || t[after + 1] == '\n')) {
        r.content_end = after;
        r.end = n;
        if (after + 1 < n) {
          specials.pop();  // the LF
          r.end = after + 2;
        }
        break;
      }
      if (r.flaw == Flaw::none) {
        r.flaw = Flaw::junk_after_quote;
        r.flaw_field = field + 1;
        r.flaw_char = next;
      }
      // The record is already malformed; the rest of this field is read as unquoted text only to
      // find where the record ends (its value no longer matters). `next` is not a quote, so no
      // quote can open a field at the new field_start.
      field_start = after;
    }
    r.fields = field + 1;
    specials_ = specials;
    next_start_ = r.end;
    return r;
  }

 private:
  // Removes the second quote of every "" pair; the result lives in the arena. Rare, so kept out
  // of line to leave the inlined record loop small.
  // The text between pairs is copied in runs (a field holds few pairs), not byte by byte.
  [[gnu::noinline]] std::string_view unescape(std::string_view content, Arena& arena) const {
    char* const dst = arena.allocate(content.size());
    char* out = dst;
    while (!content.empty()) {
      // Up to and including the first quote of the next pair (it stands for the quote itself).
      const std::size_t pair = content.find(quote_);
      const std::size_t run = pair == std::string_view::npos ? content.size() : pair + 1;
      std::memcpy(out, content.data(), run);
      out += run;
      content.remove_prefix(std::min(run + 1, content.size()));
    }
    return {dst, static_cast<std::size_t>(out - dst)};
  }

  std::string_view text_;
  SpecialBytes specials_;
  char delimiter_;
  char quote_;
  std::size_t next_start_ = 0;
};

std::string describe_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (c == '\r') return "'\\r'";
  if (c == '\t') return "'\\t'";
  if (byte >= 0x20 && byte < 0x7F) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0xF];
}

// Empty when the record is fine for `width` columns.
std::string problem_reason(const RecordScan& r, std::size_t width) {
  switch (r.flaw) {
    case Flaw::unclosed_quote: return "quoted field is not closed before end of file";
    case Flaw::junk_after_quote:
      return "unexpected character " + describe_char(r.flaw_char) +
             " after closing quote in field " + std::to_string(r.flaw_field);
    case Flaw::none: break;
  }
  if (r.blank()) return "blank line";
  if (r.fields != width) {
    return "expected " + std::to_string(width) + " field" + (width == 1 ? "" : "s") + ", found " +
           std::to_string(r.fields);
  }
  return {};
}

std::string clip_raw(std::string_view raw) {
  return std::string(nodes::utf8_prefix(raw, kMaxProblemRawBytes));
}

}  // namespace

Result<std::shared_ptr<const Columns>> parse_header(std::string_view record,
                                                    const Dialect& dialect) {
  if (record.empty()) return data_error("CSV header is empty");
  // Count the fields first, then read them into a vector of that size.
  const RecordScan r = RecordReader(record, dialect).read({}, nullptr);
  if (r.end != record.size()) {
    return invalid_argument("parse_header expects one record, got more bytes after the first");
  }
  if (r.flaw != Flaw::none) return data_error("CSV header: " + problem_reason(r, r.fields));
  if (r.blank()) return data_error("CSV header is empty");
  std::vector<std::string_view> names(r.fields);
  Arena arena(1024);
  RecordReader(record, dialect).read(names, &arena);
  auto columns = std::make_shared<Columns>();
  columns->names.reserve(names.size());
  std::unordered_map<std::string_view, std::size_t> seen;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto [it, inserted] = seen.emplace(names[i], i);
    if (!inserted) {
      return data_error("duplicate column name '" + std::string(names[i]) +
                        "' in CSV header (columns " + std::to_string(it->second + 1) + " and " +
                        std::to_string(i + 1) + ")");
    }
    columns->names.emplace_back(names[i]);
  }
  return std::shared_ptr<const Columns>(std::move(columns));
}

std::size_t first_record_length(std::string_view bytes, const Dialect& dialect) {
  if (bytes.empty()) return 0;
  return RecordReader(bytes, dialect).read({}, nullptr).end;
}

ParsedRows parse_rows(const RecordBlock& block, std::shared_ptr<const Columns> columns,
                      const Dialect& dialect) {
  ParsedRows parsed{RowBatch(std::move(columns)), {}};
  RowBatch& rows = parsed.rows;
  const std::size_t width = rows.width();
  const std::string_view text = block.bytes;
  if (text.empty()) return parsed;
  rows.keep_alive(block.owner);
  rows.set_raw_layout(width, dialect.delimiter, dialect.quote);

  RecordReader reader(text, dialect);
  Arena& arena = rows.arena();
  std::vector<std::string_view> fields(width);
  std::uint64_t row = block.first_row;
  std::uint64_t line = block.first_line;
  // Without a record count (a block rebuilt from a ByteChunk, as csv_parse does) the row vectors
  // would grow by doubling and copy themselves several times over; reserve for the count the
  // first records suggest instead (a wrong guess only costs the growth it was meant to save).
  // (A valid row takes at least `width` bytes: its delimiters and terminator.)
  const bool count_known = block.record_count != 0;
  rows.reserve(count_known ? block.record_count
                           : std::min<std::uint64_t>(kRecordsToEstimateFrom,
                                                     text.size() / std::max<std::size_t>(width, 1) + 1));
  std::uint64_t records_before_estimate = count_known ? 0 : kRecordsToEstimateFrom;
  while (!reader.done()) {
    const RecordScan r = reader.read(fields, &arena);
    if (r.flaw == Flaw::none && r.fields == width && !r.blank()) {
      rows.add_row(fields, row, r.raw(text), r.value_bytes());
    } else {
      parsed.problems.push_back({row, line, problem_reason(r, width), clip_raw(r.raw(text))});
    }
    ++row;
    line += 1 + r.inner_lines;
    if (records_before_estimate != 0 && --records_before_estimate == 0) {
      const std::uint64_t estimate = (row - block.first_row) * text.size() / r.end;
      rows.reserve(estimate + estimate / 8 + 1);
    }
  }
  return parsed;
}

}  // namespace sluice::csv
