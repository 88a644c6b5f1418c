#pragma once
/// NodeRegistry: the node types a pipeline may use, by key (the YAML `type:`). Built-in types are
/// added by register_builtin_nodes(); embedders add their own with add(). No static registration:
/// what is registered is always visible in one list.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sluice/node.hpp"
#include "sluice/options.hpp"
#include "sluice/status.hpp"

namespace sluice {

/// Which part of a pipeline a node type plays (for `sluice nodes` and the docs).
enum class NodeRole : std::uint8_t { source, transform, sink };

struct NodeType {
  std::string key;      ///< YAML `type:` value, snake_case
  NodeRole role = NodeRole::transform;
  std::string summary;  ///< one line
  std::vector<OptionSpec> options;
  /// Builds a node from checked options. Cheap: no I/O. Errors via options.error(...).
  std::function<Result<std::unique_ptr<Node>>(const NodeOptions& options)> make;
};

class NodeRegistry {
 public:
  /// Adds a type; an empty key, a missing factory or a key already taken is an error.
  Status add(NodeType type);
  /// The type registered under `key`, or nullptr.
  const NodeType* find(const std::string& key) const;
  /// All keys, sorted.
  std::vector<std::string> keys() const;
  /// All types, sorted by key.
  std::vector<const NodeType*> types() const;

 private:
  std::map<std::string, NodeType> types_;
};

/// Adds every built-in node type (sluice::nodes). Defined in the sluice_nodes library.
Status register_builtin_nodes(NodeRegistry& registry);

/// A registry with the built-in node types. Defined in the sluice_nodes library.
NodeRegistry builtin_registry();

}  // namespace sluice
