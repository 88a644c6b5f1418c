// The one list of built-in node types, alphabetical. A new node adds one line here.
#include "sinks/file_write.hpp"
#include "sinks/training_import.hpp"
#include "sources/file_read.hpp"
#include "sources/platform_export.hpp"
#include "sluice/node_registry.hpp"
#include "transforms/csv_parse.hpp"
#include "transforms/csv_serialize.hpp"
#include "transforms/json_parse.hpp"
#include "transforms/json_serialize.hpp"
#include "transforms/ner_extract.hpp"

#include <stdexcept>

namespace sluice {

Status register_builtin_nodes(NodeRegistry& registry) {
  for (auto make_type : {
           nodes::csv_parse_type,
           nodes::csv_serialize_type,
           nodes::file_read_type,
           nodes::file_write_type,
           nodes::json_parse_type,
           nodes::json_serialize_type,
           nodes::ner_extract_type,
           nodes::platform_export_type,
           nodes::training_import_type,
       }) {
    if (Status status = registry.add(make_type()); !status.ok()) return status;
  }
  return Status::success();
}

NodeRegistry builtin_registry() {
  NodeRegistry registry;
  const Status status = register_builtin_nodes(registry);
  // The built-in types are part of this program; failing to add one is a bug, not a user error.
  if (!status.ok()) throw std::logic_error("registering built-in node types: " + status.message());
  return registry;
}

}  // namespace sluice
