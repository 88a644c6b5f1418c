#pragma once
/// file_write: writes the incoming bytes, in source order, to a file durably: a temp file beside
/// the target that is fsynced and renamed only when the whole run succeeds. A failed or cancelled
/// run leaves the previous file (if any) untouched and no partial file behind. Batches are copied
/// into the file's blocks on the run's workers; by default a thread of the file's own sends full
/// blocks to the disk with O_DIRECT and only waits (see engine/core/direct_writer.hpp).

#include <string>

#include "sluice/node_registry.hpp"

namespace sluice::nodes {

struct FileWriteOptions {
  std::string path;
  bool page_cache = false;  ///< write through the page cache instead of O_DIRECT
};

NodeType file_write_type();

}  // namespace sluice::nodes
