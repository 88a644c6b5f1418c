#pragma once
/// csv_parse: bytes -> rows. RFC 4180 (quoted fields, "" escapes, embedded newlines, CRLF or LF,
/// UTF-8 BOM, records across chunk boundaries). Runs as two steps: a serial framer that cuts the
/// byte stream at record boundaries, then parallel field splitting on every core. Rows keep their
/// 1-based row numbers (the header is row 1). Malformed rows follow `on_error`.

#include <string>
#include <vector>

#include "sluice/node_registry.hpp"

namespace sluice::nodes {

struct CsvParseOptions {
  char delimiter = ',';
  /// Column names for input without a header row; empty = the first record is the header.
  std::vector<std::string> columns;
};

NodeType csv_parse_type();

}  // namespace sluice::nodes
