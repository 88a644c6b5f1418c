#pragma once
/// file_write: writes the incoming bytes, in source order, to a file durably: a temp file beside
/// the target that is fsynced and renamed only when the whole run succeeds. A failed or cancelled
/// run leaves the previous file (if any) untouched and no partial file behind. The writes run on
/// the run's workers, one batch at a time (see file_write.cpp for why there is no writer thread).

#include <string>

#include "sluice/node_registry.hpp"

namespace sluice::nodes {

struct FileWriteOptions {
  std::string path;
};

NodeType file_write_type();

}  // namespace sluice::nodes
