#pragma once
/// file_read: streams a file (or standard input, path "-") as byte chunks of `chunk_size`.
/// Output: bytes. The file is opened in open(), so a missing file fails before anything runs.

#include <cstdint>
#include <string>

#include "sluice/node_registry.hpp"

namespace sluice::nodes {

struct FileReadOptions {
  std::string path;
  std::uint64_t chunk_size = 1 << 20;
};

NodeType file_read_type();

}  // namespace sluice::nodes
