#pragma once
/// json_serialize: records -> bytes, as JSON Lines (one record per line) or one JSON array, in
/// source order.

#include "sluice/node_registry.hpp"

namespace sluice::nodes {

struct JsonSerializeOptions {
  bool array = false;  ///< false: JSON Lines
};

NodeType json_serialize_type();

}  // namespace sluice::nodes
