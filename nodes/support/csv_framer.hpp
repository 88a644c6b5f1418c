#pragma once
/// CsvFramer: the serial first step of CSV parsing. It cuts a stream of byte chunks into blocks of
/// whole records, so the second step (parse_rows in csv_row_parser.hpp) can run on many blocks in
/// parallel without knowing anything about chunk boundaries.
///
/// Record rules (RFC 4180, shared with the row parser so both always agree on record boundaries):
/// - a record ends at an LF outside a quoted field; a CR right before that LF belongs to the
///   terminator. A CR anywhere else is data (old Mac CR-only line ends are not supported);
/// - a quote opens a quoted field only at the start of a field (stream start, after an LF or a
///   delimiter outside quotes). Inside a quoted field, a doubled quote stands for one quote and a
///   single quote closes the field. A quote in the middle of an unquoted field is a literal byte;
/// - a blank line is a record (with one empty field); the row parser decides what it means;
/// - a UTF-8 byte order mark (EF BB BF) at the very start of the stream is removed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "csv_dialect.hpp"

namespace sluice::csv {

/// A run of whole records cut from the stream. Immutable once returned; safe to hand to another
/// thread. `bytes` stays valid as long as `owner` (or a copy of it) is alive.
struct RecordBlock {
  std::shared_ptr<const void> owner;  ///< keeps the memory behind `bytes` alive (null when empty)
  std::string_view bytes;             ///< whole records, each with its LF or CRLF terminator,
                                      ///< except that the one record from finish() may lack it
  std::uint64_t first_row = 0;        ///< 1-based number of the first record (the header is row 1)
  std::uint64_t first_line = 0;       ///< 1-based physical line on which the first record starts
  std::uint64_t byte_offset = 0;      ///< offset of bytes.front() in the ORIGINAL stream, counting
                                      ///< a removed BOM (so a BOM file's first block has 3)
  std::uint64_t record_count = 0;     ///< records in `bytes` (blank lines included); may be 0
  bool unterminated_quote = false;    ///< set by finish(): the stream ended inside a quoted field,
                                      ///< so the last record runs to the end of the stream
};

/// The blocks one CsvFramer::feed() completed, in stream order: none, one or two.
class RecordBlocks {
 public:
  const RecordBlock* begin() const noexcept { return blocks_.data(); }
  const RecordBlock* end() const noexcept { return blocks_.data() + size_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const RecordBlock& operator[](std::size_t index) const { return blocks_[index]; }
  /// Records in all the blocks.
  std::uint64_t record_count() const noexcept {
    std::uint64_t count = 0;
    for (const RecordBlock& block : *this) count += block.record_count;
    return count;
  }
  void push_back(RecordBlock block) { blocks_[size_++] = std::move(block); }

 private:
  std::array<RecordBlock, 2> blocks_;
  std::size_t size_ = 0;
};

/// Turns chunks into record blocks. One framer per stream; not thread-safe (the framing step is
/// serial by nature: whether a newline ends a record depends on every quote before it).
///
/// Copies are kept small: the records that lie wholly inside a fed chunk are returned as a view
/// into it. The one record that spans the boundary from earlier chunks is returned before them
/// as a block of its own, the only bytes copied: the earlier chunks' tail (carried, copied, until
/// the record ends) joined with the record's end in this chunk. Copying just that record instead
/// of the whole chunk keeps the serial step short; the blocks are usually of very different
/// sizes, which the engine does not mind (a block of one record is a small batch).
class CsvFramer {
 public:
  /// `dialect` must satisfy is_valid_dialect().
  explicit CsvFramer(Dialect dialect = {});

  /// Feeds the next chunk of the stream (chunks in stream order; empty chunks are ignored).
  /// `bytes` must stay valid as long as `owner` lives (the ByteChunk convention); a returned
  /// block may be a view into `bytes` that holds `owner`. Returns every record completed by this
  /// chunk, possibly none: first the record begun in earlier chunks (if it ends here), then the
  /// chunk's own complete records. Throws sluice::Error (internal) when called after finish().
  RecordBlocks feed(std::shared_ptr<const void> owner, std::string_view bytes);

  /// Same as feed(chunk, *chunk); a null chunk is ignored.
  RecordBlocks feed(std::shared_ptr<const std::string> chunk);

  /// Ends the stream. Returns the last record when it has no terminator (record_count 1, or 0
  /// when there is none), with unterminated_quote set when the stream ended inside a quoted field.
  /// Later calls return empty blocks.
  RecordBlock finish();

  /// Records returned so far.
  std::uint64_t records_framed() const noexcept { return next_row_ - 1; }

 private:
  struct ScanResult {
    std::uint64_t records = 0;             // terminators found outside quotes
    std::size_t first_end = 0;             // index just past the first such terminator
    std::uint64_t lines_to_first_end = 0;  // LF bytes in [0, first_end)
    std::size_t last_end = 0;              // index just past the last such terminator
    std::uint64_t lines_to_end = 0;        // LF bytes in [0, last_end)
    std::uint64_t lines_total = 0;         // LF bytes in the whole input
  };

  ScanResult scan(std::string_view bytes);
  RecordBlocks absorb(std::shared_ptr<const void> owner, std::string_view bytes);
  RecordBlock empty_block() const;

  Dialect dialect_;
  // BOM detection: the first bytes are held back until we know whether they are a BOM.
  bool bom_decided_ = false;
  std::string bom_probe_;
  std::uint64_t bom_size_ = 0;
  // Quote state after the last scanned byte.
  bool in_quotes_ = false;
  std::uint64_t reopen_pos_ = UINT64_MAX;  // a quote here continues the quoted field ("")
  char last_byte_ = '\n';                  // byte before the next chunk; LF = record start
  std::uint64_t scanned_ = 0;              // bytes scanned so far (BOM excluded)
  // The incomplete record at the end of the scanned bytes.
  std::string carry_;
  std::uint64_t carry_lines_ = 0;          // LF bytes inside carry_ (in quoted fields)
  std::uint64_t carry_start_ = 0;          // scan offset of carry_.front()
  std::uint64_t next_row_ = 1;
  std::uint64_t next_line_ = 1;
  bool finished_ = false;
};

}  // namespace sluice::csv
