#pragma once
/// CSV writer: serializes rows back to RFC 4180 text that csv_row_parser reads back unchanged.
/// Stateless free functions, safe to call from any number of threads on different outputs.
///
/// Quoting is minimal: a field is quoted only when it holds the delimiter, the quote, CR or LF
/// (leading or trailing spaces are kept as they are, unquoted). Quotes inside are doubled. Two
/// exceptions keep round trips exact: a record made of a single empty field is written as ""
/// so that it is not read back as a (rejected) blank line, and a record's first field that
/// starts with a UTF-8 byte order mark is quoted, so that at the start of a file it is not read
/// back as the file's BOM (and dropped).

#include <span>
#include <string>
#include <string_view>

#include "csv_dialect.hpp"
#include "sluice/batch.hpp"

namespace sluice::csv {

struct WriterOptions {
  Dialect dialect;    ///< must satisfy is_valid_dialect()
  bool crlf = false;  ///< end records with CRLF instead of LF
};

// Each function appends to a std::string, or to a block_pool::String for output of batch size.

/// Appends one record (fields joined by the delimiter, then one terminator) to `out`.
void append_record(std::span<const std::string_view> fields, std::string& out,
                   const WriterOptions& options);
void append_record(std::span<const std::string_view> fields, block_pool::String& out,
                   const WriterOptions& options);

/// Appends the column names as a header record.
void append_header(const Columns& columns, std::string& out, const WriterOptions& options);
void append_header(const Columns& columns, block_pool::String& out, const WriterOptions& options);

/// Appends every row of `rows` as a record, reserving the output space up front.
void append_rows(const RowBatch& rows, std::string& out, const WriterOptions& options);
void append_rows(const RowBatch& rows, block_pool::String& out, const WriterOptions& options);

}  // namespace sluice::csv
