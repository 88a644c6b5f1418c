#pragma once
/// The parallel second step of CSV parsing: splitting the records of a RecordBlock (from
/// CsvFramer) into fields. All functions here are pure and thread-safe; run parse_rows on many
/// blocks at once.
///
/// Field rules (RFC 4180, with the same record rules as csv_framer.hpp):
/// - a field that starts with the quote is quoted: it runs to the matching closing quote, may hold
///   delimiters, CR and LF, and "" inside it stands for one quote. The surrounding quotes are
///   removed. The closing quote must be followed by a delimiter, the record terminator or the end
///   of the input; anything else makes the record malformed;
/// - lenient: a quote in the middle of an unquoted field (ab"c) is kept as a literal byte;
/// - LF and CRLF terminators are both accepted (also mixed); a lone CR is data. A CR at the very
///   end of an input without a final LF is taken as that record's terminator;
/// - a blank line (a record that is only a terminator) is malformed inside the data ("blank
///   line"): the platform rejects blank lines. An empty quoted field ("") is not a blank line, so a
///   one-column row whose value is empty round-trips through csv_writer.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "csv_dialect.hpp"
#include "csv_framer.hpp"
#include "sluice/batch.hpp"
#include "sluice/status.hpp"

namespace sluice::csv {

/// Longest `raw` text kept in a RowProblem, in bytes.
inline constexpr std::size_t kMaxProblemRawBytes = 4096;

/// Parses one header record (its terminator, if present, is ignored) into column names.
/// Errors (data_error): an empty header, a malformed record (unclosed quote, junk after a closing
/// quote), or a column name that appears twice (exact, case-sensitive comparison; the message
/// names the duplicate and both positions). `record` must hold exactly one record
/// (see first_record_length); trailing bytes after its terminator give invalid_argument.
/// Empty column names are allowed.
Result<std::shared_ptr<const Columns>> parse_header(std::string_view record, const Dialect& dialect);

/// Length in bytes of the first record of `bytes`, terminator included (quoted LFs do not end
/// it). All of `bytes` when it holds no complete record; 0 for empty input.
std::size_t first_record_length(std::string_view bytes, const Dialect& dialect);

/// A record that was not turned into a row.
struct RowProblem {
  std::uint64_t row = 0;   ///< 1-based record number (the header is row 1)
  std::uint64_t line = 0;  ///< 1-based physical line on which the record starts
  std::string reason;      ///< for a user, e.g. "expected 4 fields, found 5"
  std::string raw;         ///< the record's bytes without terminator, cut to kMaxProblemRawBytes
                           ///< (never inside a UTF-8 sequence)
};

struct ParsedRows {
  RowBatch rows;
  std::vector<RowProblem> problems;  ///< in record order
};

/// Splits every record of `block` into fields. A well-formed record with exactly
/// columns->names.size() fields becomes a row numbered block.first_row + its index in the block;
/// every other record is reported in `problems` instead (reasons: "blank line",
/// "expected N fields, found M", "unexpected character 'x' after closing quote in field K",
/// "quoted field is not closed before end of file").
///
/// Zero-copy: fields are views into block.bytes (the batch keeps block.owner alive); only fields
/// holding "" escapes are rebuilt, in the batch's arena. `columns` must not be null.
/// Only bytes, owner, first_row and first_line are read (record_count is just a size hint), so a
/// block rebuilt from a ByteChunk and its SourcePosition works the same.
ParsedRows parse_rows(const RecordBlock& block, std::shared_ptr<const Columns> columns,
                      const Dialect& dialect);

}  // namespace sluice::csv
