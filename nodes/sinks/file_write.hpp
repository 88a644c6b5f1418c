#pragma once
/// file_write: writes the incoming bytes, in source order, to a file durably: a temp file beside
/// the target that is fsynced and renamed only when the whole run succeeds. A failed or cancelled
/// run leaves the previous file (if any) untouched and no partial file behind. When the run has
/// fewer workers than the machine has cores, write(2) runs on a writer thread of its own behind a
/// small queue (see file_write.cpp for why only then).

#include <string>

#include "sluice/node_registry.hpp"

namespace sluice::nodes {

struct FileWriteOptions {
  std::string path;
};

NodeType file_write_type();

}  // namespace sluice::nodes
