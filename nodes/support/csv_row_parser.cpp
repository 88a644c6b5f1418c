#include "csv_row_parser.hpp"

#include <bit>
#include <cstring>
#include <unordered_map>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::csv {

namespace {

constexpr std::size_t kWindow = 64;

// Finds the next delimiter, LF or quote byte. It keeps a 64-bit mask of those bytes for one
// 64-byte window, so consecutive fields in the same window cost a shift and a count-trailing-zeros
// instead of a byte loop.
class SpecialScanner {
 public:
  SpecialScanner(std::string_view text, const Dialect& dialect)
      : data_(text.data()), size_(text.size()), delimiter_(dialect.delimiter),
        quote_(dialect.quote) {}

  /// Smallest position >= pos holding a special byte, or the text size.
  std::size_t next(std::size_t pos) {
    while (pos < size_) {
      const std::size_t base = pos & ~(kWindow - 1);
      if (base != base_) load(base);
      const std::uint64_t bits = mask_ >> (pos - base);
      if (bits != 0) return pos + static_cast<std::size_t>(std::countr_zero(bits));
      pos = base + kWindow;
    }
    return size_;
  }

 private:
  void load(std::size_t base) {
    base_ = base;
    if (base + kWindow <= size_) {
      mask_ = window_mask(data_ + base);
      return;
    }
    // Short tail: scan a padded copy and drop the bits of the padding.
    char padded[kWindow] = {};
    const std::size_t rest = size_ - base;
    std::memcpy(padded, data_ + base, rest);
    mask_ = window_mask(padded) & ((std::uint64_t{1} << rest) - 1);
  }

#if defined(__SSE2__)
  std::uint64_t window_mask(const char* p) const {
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
  std::size_t base_ = ~std::size_t{0};
  std::uint64_t mask_ = 0;
};

enum class Flaw : std::uint8_t { none, junk_after_quote, unclosed_quote };

struct RecordScan {
  std::size_t end = 0;          // one past the terminator (or the text size)
  std::size_t content_end = 0;  // end of the record without its terminator
  std::size_t fields = 0;
  std::uint64_t inner_lines = 0;  // LF bytes inside quoted fields
  Flaw flaw = Flaw::none;
  std::size_t flaw_field = 0;  // 1-based
  char flaw_char = 0;
  bool first_quoted = false;
};

// Reads one record at a time. This is the same state machine as CsvFramer::scan (a quote opens a
// field only at field start; after junk the rest of the field is unquoted), so both agree on where
// records end even for malformed input.
class RecordReader {
 public:
  RecordReader(std::string_view text, const Dialect& dialect)
      : text_(text), scanner_(text, dialect), delimiter_(dialect.delimiter),
        quote_(dialect.quote) {}

  /// Reads the record starting at `start`. When `out` is not null, appends the field values
  /// (unescaped fields go to `arena`).
  RecordScan read(std::size_t start, std::vector<std::string_view>* out, Arena* arena) {
    const char* t = text_.data();
    const std::size_t n = text_.size();
    RecordScan r;
    std::size_t pos = start;
    for (;;) {
      ++r.fields;
      if (pos < n && t[pos] == quote_) {
        if (r.fields == 1) r.first_quoted = true;
        const std::size_t open = pos;
        bool escaped = false;
        std::size_t q = pos + 1;
        for (;;) {
          q = scanner_.next(q);
          if (q >= n) {
            r.flaw = Flaw::unclosed_quote;
            r.flaw_field = r.fields;
            r.end = r.content_end = n;
            return r;
          }
          if (t[q] != quote_) {
            if (t[q] == '\n') ++r.inner_lines;
            ++q;
            continue;
          }
          if (q + 1 < n && t[q + 1] == quote_) {
            escaped = true;
            q += 2;
            continue;
          }
          break;
        }
        if (out != nullptr) {
          const std::string_view content(t + open + 1, q - open - 1);
          out->push_back(escaped ? unescape(content, *arena) : content);
        }
        pos = q + 1;
        if (pos >= n) {
          r.end = r.content_end = n;
          return r;
        }
        const char c = t[pos];
        if (c == delimiter_) {
          ++pos;
          continue;
        }
        if (c == '\n') {
          r.content_end = pos;
          r.end = pos + 1;
          return r;
        }
        if (c == '\r' && (pos + 1 == n || t[pos + 1] == '\n')) {
          r.content_end = pos;
          r.end = pos + 1 == n ? n : pos + 2;
          return r;
        }
        if (r.flaw == Flaw::none) {
          r.flaw = Flaw::junk_after_quote;
          r.flaw_field = r.fields;
          r.flaw_char = c;
        }
        // The record is already malformed; read the rest of this field as unquoted text only to
        // find where the record ends, without producing a second value for the field.
        const std::size_t e = unquoted_end(pos);
        if (e < n && t[e] == delimiter_) {
          pos = e + 1;
          continue;
        }
        return finish(r, start, e);
      }
      const std::size_t e = unquoted_end(pos);
      if (e < n && t[e] == delimiter_) {
        if (out != nullptr) out->emplace_back(t + pos, e - pos);
        pos = e + 1;
        continue;
      }
      finish(r, start, e);
      if (out != nullptr) out->emplace_back(t + pos, r.content_end > pos ? r.content_end - pos : 0);
      return r;
    }
  }

 private:
  // End of an unquoted field: the next delimiter or LF (quotes inside are literal), or the size.
  std::size_t unquoted_end(std::size_t pos) {
    const std::size_t n = text_.size();
    std::size_t e = scanner_.next(pos);
    while (e < n && text_[e] == quote_) e = scanner_.next(e + 1);
    return e;
  }

  // Sets the ends of a record whose last field stops at `e` (an LF or the end of the text);
  // a CR right before that point belongs to the terminator.
  RecordScan& finish(RecordScan& r, std::size_t start, std::size_t e) const {
    const std::size_t n = text_.size();
    r.end = e < n ? e + 1 : n;
    r.content_end = (e > start && text_[e - 1] == '\r') ? e - 1 : e;
    return r;
  }

  // Removes the second quote of every "" pair; the result lives in the arena.
  std::string_view unescape(std::string_view content, Arena& arena) const {
    char* dst = arena.allocate(content.size());
    std::size_t len = 0;
    for (std::size_t i = 0; i < content.size(); ++i) {
      dst[len++] = content[i];
      if (content[i] == quote_) ++i;
    }
    return {dst, len};
  }

  std::string_view text_;
  SpecialScanner scanner_;
  char delimiter_;
  char quote_;
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
std::string problem_reason(const RecordScan& r, std::size_t start, std::size_t width) {
  switch (r.flaw) {
    case Flaw::unclosed_quote: return "quoted field is not closed before end of file";
    case Flaw::junk_after_quote:
      return "unexpected character " + describe_char(r.flaw_char) +
             " after closing quote in field " + std::to_string(r.flaw_field);
    case Flaw::none: break;
  }
  if (r.fields == 1 && !r.first_quoted && r.content_end == start) return "blank line";
  if (r.fields != width) {
    return "expected " + std::to_string(width) + " field" + (width == 1 ? "" : "s") + ", found " +
           std::to_string(r.fields);
  }
  return {};
}

std::string clip_raw(std::string_view raw) {
  if (raw.size() <= kMaxProblemRawBytes) return std::string(raw);
  std::size_t cut = kMaxProblemRawBytes;
  // Back off to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(raw[cut]) & 0xC0) == 0x80) --cut;
  return std::string(raw.substr(0, cut));
}

}  // namespace

Result<std::shared_ptr<const Columns>> parse_header(std::string_view record,
                                                    const Dialect& dialect) {
  if (record.empty()) return data_error("CSV header is empty");
  RecordReader reader(record, dialect);
  std::vector<std::string_view> names;
  Arena arena(1024);
  const RecordScan r = reader.read(0, &names, &arena);
  if (r.end != record.size()) {
    return invalid_argument("parse_header expects one record, got more bytes after the first");
  }
  if (r.flaw != Flaw::none) return data_error("CSV header: " + problem_reason(r, 0, r.fields));
  if (r.fields == 1 && !r.first_quoted && r.content_end == 0) {
    return data_error("CSV header is empty");
  }
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
  RecordReader reader(bytes, dialect);
  return reader.read(0, nullptr, nullptr).end;
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
  rows.reserve(block.record_count);

  RecordReader reader(text, dialect);
  std::vector<std::string_view> fields;
  fields.reserve(width + 8);
  std::uint64_t row = block.first_row;
  std::uint64_t line = block.first_line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    fields.clear();
    const RecordScan r = reader.read(pos, &fields, &rows.arena());
    if (r.flaw == Flaw::none && r.fields == width && !(r.fields == 1 && !r.first_quoted &&
                                                       r.content_end == pos)) {
      rows.add_row(fields, row, text.substr(pos, r.content_end - pos));
    } else {
      parsed.problems.push_back({row, line, problem_reason(r, pos, width),
                                 clip_raw(text.substr(pos, r.content_end - pos))});
    }
    ++row;
    line += 1 + r.inner_lines;
    pos = r.end;
  }
  return parsed;
}

}  // namespace sluice::csv
