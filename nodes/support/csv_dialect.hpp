#pragma once
/// Dialect: the two bytes that give CSV text its structure. Records always end with LF or CRLF.
/// A plain value type, freely copied and shared between threads.

namespace sluice::csv {

struct Dialect {
  char delimiter = ',';  ///< separates fields, e.g. ',' ';' '\t' '|'
  char quote = '"';      ///< encloses a field; doubled inside a quoted field to mean itself
};

/// True when the framer, parser and writer can work with `dialect`: the delimiter and the quote
/// differ and neither is CR or LF (those end records). Other dialects give unspecified splits.
constexpr bool is_valid_dialect(const Dialect& dialect) noexcept {
  return dialect.delimiter != dialect.quote && dialect.delimiter != '\n' &&
         dialect.delimiter != '\r' && dialect.quote != '\n' && dialect.quote != '\r';
}

}  // namespace sluice::csv
