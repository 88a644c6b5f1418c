#pragma once
/// csv_serialize: rows -> bytes. RFC 4180 text (fields quoted only when needed, quotes doubled),
/// header first. Runs in parallel; the ordered sink behind it restores source order.

#include "sluice/node_registry.hpp"

namespace sluice::nodes {

struct CsvSerializeOptions {
  char delimiter = ',';
  bool crlf = false;
  bool header = true;
};

NodeType csv_serialize_type();

}  // namespace sluice::nodes
