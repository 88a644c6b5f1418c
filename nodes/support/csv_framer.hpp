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

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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

/// Turns chunks into record blocks. One framer per stream; not thread-safe (the framing step is
/// serial by nature: whether a newline ends a record depends on every quote before it).
///
/// Copies are kept small: a block is a view into the fed chunk when no record from an earlier
/// chunk is pending; otherwise the pending bytes and the chunk's complete records are copied into
/// one new buffer. Records longer than a chunk are carried (copied) until they end.
class CsvFramer {
 public:
  /// `dialect` must satisfy is_valid_dialect().
  explicit CsvFramer(Dialect dialect = {});

  /// Feeds the next chunk of the stream (chunks in stream order; empty chunks are ignored).
  /// `bytes` must stay valid as long as `owner` lives (the ByteChunk convention); the returned
  /// block may be a view into `bytes` that holds `owner`. Returns every record completed by this
  /// chunk, possibly none. Throws sluice::Error (internal) when called after finish().
  RecordBlock feed(std::shared_ptr<const void> owner, std::string_view bytes);

  /// Same as feed(chunk, *chunk); a null chunk is ignored.
  RecordBlock feed(std::shared_ptr<const std::string> chunk);

  /// Ends the stream. Returns the last record when it has no terminator (record_count 1, or 0
  /// when there is none), with unterminated_quote set when the stream ended inside a quoted field.
  /// Later calls return empty blocks.
  RecordBlock finish();

  /// Records returned so far.
  std::uint64_t records_framed() const noexcept { return next_row_ - 1; }

 private:
  struct ScanResult {
    std::uint64_t records = 0;          // terminators found outside quotes
    std::size_t last_end = 0;           // index just past the last such terminator
    std::uint64_t lines_to_end = 0;     // LF bytes in [0, last_end)
    std::uint64_t lines_total = 0;      // LF bytes in the whole input
  };

  ScanResult scan(std::string_view bytes);
  RecordBlock absorb(std::shared_ptr<const void> owner, std::string_view bytes);
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
