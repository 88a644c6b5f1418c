#pragma once
/// PipelineSpec: a pipeline as plain data. Loaded from YAML (load_pipeline_file), or built in code
/// by an embedder. Validation and graph rendering work on it without running anything.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sluice/status.hpp"
#include "sluice/value.hpp"

namespace sluice {

class NodeRegistry;

struct InputRef {
  std::string node;         ///< id of the node whose output is read
  SourceLocation location;  ///< where the reference was written
};

struct NodeSpec {
  std::string id;
  std::string type;
  std::vector<InputRef> inputs;  ///< in port order; fan-in nodes list several
  Value options;                 ///< a map (or null when the node has no options)
  SourceLocation location;       ///< the node's entry in the file
  SourceLocation type_location;  ///< where `type:` was written
};

/// Run settings a pipeline may set; command-line flags override them.
struct PipelineSettings {
  /// Worker threads (default: all cores).
  std::optional<int> threads;
  /// Batches in flight per source (default: 2 x threads + 2).
  std::optional<std::size_t> max_in_flight;
  SourceLocation location;
};

struct PipelineSpec {
  std::string id;
  std::string description;
  std::string file;  ///< the file it was loaded from ("" when built in code)
  PipelineSettings settings;
  std::vector<NodeSpec> nodes;

  const NodeSpec* find_node(const std::string& id) const;
};

/// Variables for ${VAR} and ${VAR:-default}: --set values override the environment.
struct LoadOptions {
  std::map<std::string, std::string> variables;  ///< --set key=value
  bool use_environment = true;
};

/// Loads and expands a pipeline file. Every syntax and expansion problem is returned at once
/// (Result holds the spec or a Status whose message lists "file:line:col: message" lines).
Result<PipelineSpec> load_pipeline_file(const std::string& path, const LoadOptions& options = {});
/// The same from text; `file_name` is used in locations.
Result<PipelineSpec> load_pipeline_text(const std::string& text, const std::string& file_name,
                                        const LoadOptions& options = {});

/// Every problem in the spec, at once: unknown node types (listing the known ones), unknown,
/// missing or mistyped options, node-specific option errors, duplicate ids, dangling inputs,
/// wrong input counts, cycles, and payload kinds that do not fit between two nodes.
std::vector<Diagnostic> validate_pipeline(const PipelineSpec& spec, const NodeRegistry& registry);

/// The nodes in an order where every node comes after its inputs; nullopt when there is a cycle.
std::optional<std::vector<std::size_t>> topological_order(const PipelineSpec& spec);

/// Graphviz DOT text of the pipeline (node id, type and payload kind on each edge when known).
std::string render_dot(const PipelineSpec& spec, const NodeRegistry& registry);

}  // namespace sluice
