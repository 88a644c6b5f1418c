#pragma once
/// json_parse: bytes -> records. Reads JSON Lines or one JSON array (layout: lines | array |
/// detect), streaming: values are framed serially and then checked and minified with simdjson in
/// parallel. Invalid values follow `on_error` (fail | skip | quarantine).

#include "sluice/node_registry.hpp"
#include "support/json_framer.hpp"

namespace sluice::nodes {

struct JsonParseOptions {
  JsonLayout layout = JsonLayout::detect;
  std::size_t values_per_batch = 4096;
};

NodeType json_parse_type();

}  // namespace sluice::nodes
