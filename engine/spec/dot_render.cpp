#include <exception>
#include <optional>

#include "sluice/node_registry.hpp"
#include "sluice/pipeline_spec.hpp"

namespace sluice {

namespace {

/// A DOT double-quoted string. "\n" is written as DOT's line break escape.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      default: out += c; break;
    }
  }
  out += '"';
  return out;
}

/// The payload kind a node produces, when its type is known and its factory accepts its options.
std::optional<PayloadKind> output_kind(const NodeSpec& node, const NodeRegistry& registry) {
  const NodeType* type = registry.find(node.type);
  if (type == nullptr || !type->make) return std::nullopt;
  std::vector<Diagnostic> problems;
  check_options(node.options, type->options, problems);
  if (!problems.empty()) return std::nullopt;
  try {
    auto made = type->make(NodeOptions(node.options, type->options, node.location));
    if (!made.ok() || !*made) return std::nullopt;
    return (*made)->shape().output;
  } catch (const std::exception&) {
    return std::nullopt;  // a drawing is still useful without the label
  }
}

}  // namespace

std::string render_dot(const PipelineSpec& spec, const NodeRegistry& registry) {
  std::vector<std::optional<PayloadKind>> kinds;
  kinds.reserve(spec.nodes.size());
  for (const auto& node : spec.nodes) kinds.push_back(output_kind(node, registry));

  // Option values are left out on purpose: they may be secrets.
  std::string out = "digraph " + quoted(spec.id) + " {\n";
  out += "  rankdir=LR;\n";
  out += "  node [shape=box];\n";
  for (const auto& node : spec.nodes) {
    out += "  " + quoted(node.id) + " [label=" + quoted(node.id + "\n" + node.type) + "];\n";
  }
  for (const auto& node : spec.nodes) {
    for (const auto& input : node.inputs) {
      const NodeSpec* from = spec.find_node(input.node);
      if (from == nullptr) continue;  // dangling: validation reports it
      out += "  " + quoted(from->id) + " -> " + quoted(node.id);
      const auto& kind = kinds[static_cast<std::size_t>(from - spec.nodes.data())];
      if (kind) out += std::string(" [label=") + quoted(payload_kind_name(*kind)) + "]";
      out += ";\n";
    }
  }
  out += "}\n";
  return out;
}

}  // namespace sluice
