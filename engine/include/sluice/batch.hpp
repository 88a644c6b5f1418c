#pragma once
/// The payloads that flow between nodes. A message always carries a whole batch (thousands of rows
/// or about a MiB of bytes), never a single row. Batches are immutable once sent: the engine shares
/// one batch between all the successors of a node (fan-out), so a transform builds a new batch and
/// may keep the input's buffers alive instead of copying them (zero-copy fields).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sluice/arena.hpp"
#include "sluice/block_pool.hpp"

namespace sluice {

/// The three kinds of payload. Validation checks that connected nodes agree on them.
enum class PayloadKind : std::uint8_t { bytes, rows, records };

/// "bytes", "rows" or "records".
const char* payload_kind_name(PayloadKind kind) noexcept;

/// Where a batch came from, for error messages: "file.csv, row 1234" or "page 7".
struct SourcePosition {
  std::shared_ptr<const std::string> source;  ///< file name or URL path (no query string)
  std::uint64_t byte_offset = 0;              ///< offset of the first byte in the source
  std::uint64_t first_row = 0;                ///< 1-based row number of the first row, 0 if none
  std::uint64_t first_line = 0;               ///< 1-based line of the first row, 0 if unknown
  std::uint64_t page = 0;                     ///< 1-based page number for paged sources, 0 if none

  /// "name", "name, row N", "name, byte N" or "name, page N" (the most precise one known).
  std::string describe() const;
};

/// A run of raw bytes from a stream (a file, a download).
struct ByteChunk {
  std::shared_ptr<const void> owner;  ///< keeps the memory behind `bytes` alive
  std::string_view bytes;             ///< the content (may be part of the owner's buffer)

  /// A chunk that owns `text`.
  static ByteChunk own(std::string text) {
    auto buffer = std::make_shared<const std::string>(std::move(text));
    return {buffer, std::string_view(*buffer)};
  }
  static ByteChunk own(const char* text) { return own(std::string(text)); }
  /// A chunk that owns `text`, whose buffer goes back to the block pool after use.
  static ByteChunk own(block_pool::String text) {
    auto buffer = std::make_shared<const block_pool::String>(std::move(text));
    return {buffer, std::string_view(*buffer)};
  }
};

/// Column names of a row batch, shared by all batches of one stream.
struct Columns {
  std::vector<std::string> names;
  /// Index of the first column whose name equals one of `candidates` case-insensitively
  /// (candidates tried in order), or -1.
  long find_any(std::span<const std::string> candidates) const;
};

/// Rows of equal width. Fields are views into buffers the batch keeps alive (input chunks it was
/// parsed from, or its own arena), so parsing and appending columns copy as little as possible.
class RowBatch {
 public:
  RowBatch() = default;
  explicit RowBatch(std::shared_ptr<const Columns> columns) : columns_(std::move(columns)) {}
  RowBatch(RowBatch&&) noexcept = default;
  RowBatch& operator=(RowBatch&&) noexcept = default;

  const std::shared_ptr<const Columns>& columns() const noexcept { return columns_; }
  std::size_t width() const noexcept { return columns_ ? columns_->names.size() : 0; }
  std::size_t size() const noexcept { return row_numbers_.size(); }
  bool empty() const noexcept { return row_numbers_.empty(); }

  std::string_view field(std::size_t row, std::size_t column) const {
    return fields_[row * width() + column];
  }
  std::span<const std::string_view> row(std::size_t row) const {
    return {fields_.data() + row * width(), width()};
  }
  /// 1-based row number in the source (the header, when there is one, is row 1).
  std::uint64_t row_number(std::size_t row) const { return row_numbers_[row]; }

  // ---- building (single writer, before the batch is sent) ----

  /// Keeps `owner` alive as long as this batch: the buffer that field views point into.
  void keep_alive(std::shared_ptr<const void> owner) { owners_.push_back(std::move(owner)); }
  /// Keeps every buffer of `other` (its inputs and its arena) alive too, for batches built from
  /// another batch's fields.
  void keep_alive_all(const RowBatch& other);
  /// Arena for values this batch owns itself; views into it stay valid while this batch, or a
  /// batch that called keep_alive_all(*this), lives.
  Arena& arena() {
    if (!arena_) arena_ = std::make_shared<Arena>();
    return *arena_;
  }
  void reserve(std::size_t rows) {
    fields_.reserve(rows * width());
    row_numbers_.reserve(rows);
    if (raw_width_ != 0) raw_.reserve(rows);
  }
  /// Appends a row; `fields.size()` must equal width(). Views must point into kept-alive memory.
  void add_row(std::span<const std::string_view> fields, std::uint64_t row_number) {
    append_row(fields, row_number, bytes_of(fields));
  }

  // ---- raw text (optional) ----
  // A parser may keep, for every row, the row's original text exactly as read (without its line
  // terminator). It stands for the first raw_width() columns, written with `raw_delimiter` and
  // `raw_quote`. A writer of the same dialect copies it instead of re-quoting every field, which
  // is faster and keeps the input's quoting byte for byte. Transforms that append columns keep it;
  // any other change to those columns must drop it (build the batch without raw text).

  /// Declares that rows will be added with their raw text; call before the first add_row.
  void set_raw_layout(std::size_t raw_width, char raw_delimiter, char raw_quote) {
    raw_width_ = raw_width;
    raw_delimiter_ = raw_delimiter;
    raw_quote_ = raw_quote;
  }
  bool has_raw() const noexcept { return raw_width_ != 0; }
  std::size_t raw_width() const noexcept { return raw_width_; }
  char raw_delimiter() const noexcept { return raw_delimiter_; }
  char raw_quote() const noexcept { return raw_quote_; }
  std::string_view raw(std::size_t row) const { return raw_[row]; }
  /// Appends a row together with its raw text (see set_raw_layout).
  void add_row(std::span<const std::string_view> fields, std::uint64_t row_number,
               std::string_view raw) {
    const std::size_t covered = raw_width_ < fields.size() ? raw_width_ : fields.size();
    const std::uint64_t past_raw = bytes_of(fields.subspan(covered));
    append_row(fields, row_number, bytes_of(fields.first(covered)) + past_raw);
    append_raw(raw, past_raw);
  }
  /// Same, for a producer that already knows the total size of `fields` (a parser: the raw text
  /// minus delimiters and quotes), which saves a pass over the fields. `field_bytes` must equal
  /// the sum of the fields' sizes.
  void add_row(std::span<const std::string_view> fields, std::uint64_t row_number,
               std::string_view raw, std::size_t field_bytes) {
    append_row(fields, row_number, field_bytes);
    // A parser's raw text covers every field: nothing to sum then.
    append_raw(raw, fields.size() > raw_width_ ? bytes_of(fields.subspan(raw_width_)) : 0);
  }
  /// Bytes of all rows' raw text (0 without raw text), and of the values in the columns the raw
  /// text does not cover (from raw_width() on), so a writer can size its output up front.
  std::uint64_t raw_bytes() const noexcept { return raw_bytes_; }
  std::uint64_t bytes_past_raw() const noexcept { return bytes_past_raw_; }

  /// Bytes of all fields' values (for metrics); kept as rows are added, so it costs nothing.
  std::uint64_t field_bytes() const noexcept { return field_bytes_; }

  // ---- known-valid UTF-8 (optional) ----
  // A producer that has checked all of its input at once (a parser validating a whole block) may
  // say that every field is valid UTF-8, so consumers can skip checking text by text. False means
  // "not known", not "invalid": consumers then check each text themselves.

  void set_known_valid_utf8(bool valid) noexcept { known_valid_utf8_ = valid; }
  bool known_valid_utf8() const noexcept { return known_valid_utf8_; }

 private:
  // Summed in a local: a member would be reloaded and stored for every field, as the fields'
  // sizes might alias it.
  static std::uint64_t bytes_of(std::span<const std::string_view> fields) {
    std::uint64_t bytes = 0;
    for (const auto& field : fields) bytes += field.size();
    return bytes;
  }

  void append_row(std::span<const std::string_view> fields, std::uint64_t row_number,
                  std::uint64_t field_bytes) {
    fields_.insert(fields_.end(), fields.begin(), fields.end());
    field_bytes_ += field_bytes;
    row_numbers_.push_back(row_number);
  }

  void append_raw(std::string_view raw, std::uint64_t bytes_past_raw) {
    raw_.push_back(raw);
    raw_bytes_ += raw.size();
    bytes_past_raw_ += bytes_past_raw;
  }

  std::shared_ptr<const Columns> columns_;
  std::vector<std::shared_ptr<const void>> owners_;
  std::shared_ptr<Arena> arena_;
  // Batch-sized arrays, recycled through the block pool (see block_pool.hpp).
  template <class T>
  using PooledVector = std::vector<T, block_pool::Allocator<T>>;
  PooledVector<std::string_view> fields_;
  PooledVector<std::uint64_t> row_numbers_;
  std::uint64_t field_bytes_ = 0;
  PooledVector<std::string_view> raw_;
  std::uint64_t raw_bytes_ = 0;
  std::uint64_t bytes_past_raw_ = 0;
  std::size_t raw_width_ = 0;
  char raw_delimiter_ = ',';
  char raw_quote_ = '"';
  bool known_valid_utf8_ = false;
};

/// One JSON value (normally an object) as compact UTF-8 text. Control items steer a workflow
/// (e.g. one tenant to deploy) rather than being data to transform.
struct JsonRecord {
  enum class Kind : std::uint8_t { data, control };
  std::string json;
  Kind kind = Kind::data;
  std::uint64_t index = 0;  ///< 1-based position in the source stream (record or line number)
};

struct RecordBatch {
  std::vector<JsonRecord> records;
  std::size_t size() const noexcept { return records.size(); }
  bool empty() const noexcept { return records.empty(); }
};

/// What travels on an edge of the graph.
struct Batch {
  SourcePosition position;
  std::variant<ByteChunk, RowBatch, RecordBatch> payload;

  PayloadKind kind() const noexcept { return static_cast<PayloadKind>(payload.index()); }
  /// Rows or records in the batch (0 for bytes).
  std::uint64_t item_count() const noexcept;
  /// Bytes of content in the batch (chunk size, field bytes, or JSON text size).
  std::uint64_t byte_count() const noexcept;

  const ByteChunk& chunk() const { return std::get<ByteChunk>(payload); }
  const RowBatch& rows() const { return std::get<RowBatch>(payload); }
  const RecordBatch& records() const { return std::get<RecordBatch>(payload); }
};

using BatchPtr = std::shared_ptr<const Batch>;

}  // namespace sluice
