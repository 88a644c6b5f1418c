#pragma once
/// file_write: writes the incoming bytes, in source order, to a file durably: a temp file beside
/// the target that is fsynced and renamed only when the whole run succeeds. A failed or cancelled
/// run leaves the previous file (if any) untouched and no partial file behind.

#include <string>

#include "sluice/node_registry.hpp"

namespace sluice::nodes {

struct FileWriteOptions {
  std::string path;
};

NodeType file_write_type();

}  // namespace sluice::nodes
