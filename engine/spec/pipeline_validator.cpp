#include "pipeline_validator.hpp"

#include <algorithm>
#include <cctype>
#include <exception>
#include <functional>
#include <map>
#include <queue>

#include "sluice/options.hpp"

namespace sluice::detail {

namespace {

char fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

/// Edit distance where swapping two neighbouring letters counts as one edit ("optoins").
std::size_t typo_distance(std::string_view a, std::string_view b) {
  const std::size_t rows = a.size() + 1;
  const std::size_t cols = b.size() + 1;
  std::vector<std::size_t> d(rows * cols);
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * cols + j]; };
  for (std::size_t i = 0; i < rows; ++i) at(i, 0) = i;
  for (std::size_t j = 0; j < cols; ++j) at(0, j) = j;
  for (std::size_t i = 1; i < rows; ++i) {
    for (std::size_t j = 1; j < cols; ++j) {
      const std::size_t cost = fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1;
      std::size_t best = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) && fold(a[i - 2]) == fold(b[j - 1])) {
        best = std::min(best, at(i - 2, j - 2) + 1);
      }
      at(i, j) = best;
    }
  }
  return at(rows - 1, cols - 1);
}

}  // namespace

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  if (word.empty()) return std::nullopt;
  // Short words tolerate fewer edits, so "id" does not suggest "io" for "x".
  const std::size_t limit = word.size() <= 3 ? 1 : word.size() <= 6 ? 2 : 3;
  const std::string* best = nullptr;
  std::size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    const std::size_t distance = typo_distance(word, candidate);
    if (distance < best_distance && distance < std::max<std::size_t>(candidate.size(), 1)) {
      best = &candidate;
      best_distance = distance;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const auto match = closest_match(word, candidates);
  return match ? "; did you mean '" + *match + "'?" : std::string();
}

std::string with_suggestion(std::string message, std::string_view word,
                            const std::vector<std::string>& candidates, std::string_view label) {
  const std::string hint = did_you_mean(word, candidates);
  message += hint.empty() ? "." : hint;
  message += ' ';
  message += label;
  message += ": ";
  message += candidates.empty() ? "(none)" : join_names(candidates);
  return message;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

bool is_valid_id(std::string_view id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

namespace {

/// What validation learns about one node on the way.
struct NodeInfo {
  const NodeType* type = nullptr;
  std::unique_ptr<Node> node;
  std::optional<NodeShape> shape;
  std::vector<std::optional<std::size_t>> producers;  ///< per input: the node it reads from
};

std::string node_label(const NodeSpec& node, std::size_t index) {
  return node.id.empty() ? "node " + std::to_string(index + 1) : "node '" + node.id + "'";
}

/// "node 'ner' (ner_extract)".
std::string node_with_type(const NodeSpec& node, std::size_t index) {
  return node_label(node, index) + " (" + node.type + ")";
}

const SourceLocation& located(const SourceLocation& precise, const SourceLocation& fallback) {
  return precise.line > 0 ? precise : fallback;
}

std::string count_inputs(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " input" : " inputs");
}

std::string kinds_text(const std::vector<PayloadKind>& kinds) {
  if (kinds.empty()) return "nothing";
  std::string out;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    if (i > 0) out += i + 1 == kinds.size() ? " or " : ", ";
    out += payload_kind_name(kinds[i]);
  }
  return out;
}

/// Reads "<file>:<line>[:<column>]: " at the start of `message` (as NodeOptions::error writes
/// it); returns the location and the rest, or nullopt when the message has no such prefix.
std::optional<Diagnostic> split_located_message(const std::string& message,
                                                const std::string& file) {
  std::size_t i = 0;
  if (!file.empty()) {
    if (message.compare(0, file.size() + 1, file + ":") != 0) return std::nullopt;
    i = file.size() + 1;
  }
  auto read_number = [&](int& out) {
    const std::size_t start = i;
    out = 0;
    while (i < message.size() && std::isdigit(static_cast<unsigned char>(message[i])) &&
           i - start < 9) {
      out = out * 10 + (message[i] - '0');
      ++i;
    }
    return i > start;
  };
  Diagnostic diagnostic;
  diagnostic.location.file = file;
  if (!read_number(diagnostic.location.line)) return std::nullopt;
  if (i < message.size() && message[i] == ':' && i + 1 < message.size() &&
      std::isdigit(static_cast<unsigned char>(message[i + 1]))) {
    ++i;
    read_number(diagnostic.location.column);
  } else if (file.empty()) {
    return std::nullopt;  // a bare "404: ..." is not a location
  }
  if (message.compare(i, 2, ": ") != 0) return std::nullopt;
  diagnostic.message = message.substr(i + 2);
  return diagnostic;
}

void build_node(const NodeSpec& spec, std::size_t index, NodeInfo& info,
                std::vector<Diagnostic>& out) {
  const NodeType& type = *info.type;
  if (!type.make) {
    out.push_back({spec.location, "node type '" + type.key + "' has no factory"});
    return;
  }
  try {
    Result<std::unique_ptr<Node>> made =
        type.make(NodeOptions(spec.options, type.options, spec.location));
    if (!made.ok()) {
      const std::string message = made.status().message();
      auto located_message = split_located_message(message, spec.location.file);
      out.push_back(located_message ? std::move(*located_message)
                                    : Diagnostic{spec.location, message});
      return;
    }
    if (!*made) {
      out.push_back({spec.location, "node type '" + type.key + "' built no node for " +
                                        node_label(spec, index) + " (a bug in the node type)"});
      return;
    }
    info.shape = (*made)->shape();
    info.node = std::move(*made);
  } catch (const std::exception& error) {
    out.push_back({spec.location, "node type '" + type.key + "' failed to build " +
                                      node_label(spec, index) + ": " + error.what()});
  }
}

/// Ids, types, options and factories of every node, one node at a time.
void check_nodes(const PipelineSpec& spec, const NodeRegistry& registry,
                 std::vector<NodeInfo>& infos, std::map<std::string, std::size_t>& index_of,
                 std::vector<Diagnostic>& out) {
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    const NodeSpec& node = spec.nodes[i];
    if (node.id.empty()) {
      out.push_back({node.location, node_label(node, i) + " has no 'id'"});
    } else if (!is_valid_id(node.id)) {
      out.push_back({node.location,
                     "node id '" + node.id + "' is invalid; use letters, digits, '_' and '-'"});
    } else if (auto first = index_of.find(node.id); first != index_of.end()) {
      const std::string where = spec.nodes[first->second].location.describe();
      out.push_back({node.location, "duplicate node id '" + node.id + "'" +
                                        (where.empty() ? "" : "; it is first used at " + where)});
    } else {
      index_of.emplace(node.id, i);
    }

    if (node.type.empty()) {
      out.push_back({node.location, node_label(node, i) + " has no 'type'"});
      continue;
    }
    infos[i].type = registry.find(node.type);
    if (infos[i].type == nullptr) {
      out.push_back(
          {located(node.type_location, node.location),
           with_suggestion("unknown node type '" + node.type + "' in " + node_label(node, i),
                           node.type, registry.keys(), "Known types")});
      continue;
    }
    const std::size_t before = out.size();
    check_options(node.options, infos[i].type->options, out);
    for (std::size_t d = before; d < out.size(); ++d) {
      if (out[d].location.line == 0) out[d].location = node.location;
    }
    // A factory may rely on checked options, so it only runs on clean ones.
    if (out.size() == before) build_node(node, i, infos[i], out);
  }
}

void check_inputs_exist(const PipelineSpec& spec,
                        const std::map<std::string, std::size_t>& index_of,
                        std::vector<NodeInfo>& infos, std::vector<Diagnostic>& out) {
  std::vector<std::string> known;
  for (const auto& node : spec.nodes) {
    if (index_of.count(node.id) != 0 &&
        std::find(known.begin(), known.end(), node.id) == known.end()) {
      known.push_back(node.id);
    }
  }
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    const NodeSpec& node = spec.nodes[i];
    for (const InputRef& input : node.inputs) {
      auto found = index_of.find(input.node);
      if (found != index_of.end()) {
        infos[i].producers.push_back(found->second);
        continue;
      }
      infos[i].producers.push_back(std::nullopt);
      const SourceLocation& at = located(input.location, node.location);
      if (input.node.empty()) {
        out.push_back({at, node_label(node, i) + " has an empty input name"});
      } else {
        out.push_back({at, with_suggestion(node_label(node, i) + " reads from unknown node '" +
                                               input.node + "'",
                                           input.node, known, "Known nodes")});
      }
    }
  }
}

/// One diagnostic per group of nodes that feed each other in a loop, naming one loop through
/// the group's first node (in file order), e.g. "a -> b -> c -> a".
void check_cycles(const PipelineSpec& spec, const std::vector<NodeInfo>& infos,
                  std::vector<Diagnostic>& out) {
  const std::size_t n = spec.nodes.size();
  std::vector<std::vector<std::size_t>> successors(n);
  std::vector<std::vector<std::size_t>> predecessors(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& producer : infos[i].producers) {
      if (!producer) continue;
      successors[*producer].push_back(i);
      predecessors[i].push_back(*producer);
    }
  }
  auto reach = [&](std::size_t start, const std::vector<std::vector<std::size_t>>& edges) {
    std::vector<bool> seen(n, false);
    std::vector<std::size_t> stack(edges[start].begin(), edges[start].end());
    while (!stack.empty()) {
      const std::size_t at = stack.back();
      stack.pop_back();
      if (seen[at]) continue;
      seen[at] = true;
      stack.insert(stack.end(), edges[at].begin(), edges[at].end());
    }
    return seen;
  };

  std::vector<bool> reported(n, false);
  for (std::size_t start = 0; start < n; ++start) {
    if (reported[start]) continue;
    const std::vector<bool> downstream = reach(start, successors);
    if (!downstream[start]) continue;
    const std::vector<bool> upstream = reach(start, predecessors);
    std::vector<bool> in_loop(n, false);
    for (std::size_t i = 0; i < n; ++i) {
      in_loop[i] = downstream[i] && upstream[i];
      if (in_loop[i]) reported[i] = true;
    }

    // Shortest way back to `start` inside the group; successors are in file order, so ties too.
    std::vector<std::size_t> parent(n, n);
    std::queue<std::size_t> queue;
    queue.push(start);
    std::size_t last = n;
    while (!queue.empty() && last == n) {
      const std::size_t at = queue.front();
      queue.pop();
      for (std::size_t next : successors[at]) {
        if (next == start) {
          last = at;
          break;
        }
        if (in_loop[next] && parent[next] == n) {
          parent[next] = at;
          queue.push(next);
        }
      }
    }
    std::vector<std::size_t> path;
    for (std::size_t at = last; at != start; at = parent[at]) path.push_back(at);
    path.push_back(start);
    std::reverse(path.begin(), path.end());

    std::string text;
    for (std::size_t at : path) text += spec.nodes[at].id + " -> ";
    text += spec.nodes[start].id;
    out.push_back({spec.nodes[start].location, "cycle in the pipeline: " + text});
  }
}

/// Input counts against each node's shape, reads from sinks, and payload kinds per port.
void check_shapes(const PipelineSpec& spec, const std::vector<NodeInfo>& infos,
                  std::vector<Diagnostic>& out) {
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    const NodeSpec& node = spec.nodes[i];
    const NodeInfo& info = infos[i];
    const std::size_t given = node.inputs.size();

    if (info.shape) {
      const NodeShape& shape = *info.shape;
      const std::size_t ports = shape.inputs.size();
      const std::string who = node_with_type(node, i);
      const std::string has = given == 0 ? "none" : std::to_string(given);
      if (ports == 0 && given > 0) {
        out.push_back({located(node.inputs[0].location, node.location),
                       who + " is a source and takes no input, but has " + has});
      } else if (shape.variadic_last_input && given < ports) {
        out.push_back(
            {node.location, who + " needs at least " + count_inputs(ports) + ", but has " + has});
      } else if (!shape.variadic_last_input && given < ports) {
        out.push_back({node.location, who + " needs " + count_inputs(ports) + ", but has " + has});
      } else if (!shape.variadic_last_input && given > ports && ports > 0) {
        out.push_back({located(node.inputs[ports].location, node.location),
                       who + " takes " + count_inputs(ports) + ", but has " + has});
      }
    }

    for (std::size_t k = 0; k < given; ++k) {
      const auto& producer = info.producers[k];
      if (!producer || !infos[*producer].shape) continue;
      const NodeSpec& from = spec.nodes[*producer];
      const NodeShape& from_shape = *infos[*producer].shape;
      const SourceLocation& at = located(node.inputs[k].location, node.location);
      if (!from_shape.output) {
        out.push_back({at, node_label(node, i) + " reads from '" + from.id + "' (" + from.type +
                               "), which is a sink and produces no output"});
        continue;
      }
      if (!info.shape) continue;
      const std::size_t ports = info.shape->inputs.size();
      if (ports == 0 || (k >= ports && !info.shape->variadic_last_input)) continue;
      const auto& accepted = info.shape->inputs[std::min(k, ports - 1)];
      if (std::find(accepted.begin(), accepted.end(), *from_shape.output) != accepted.end()) {
        continue;
      }
      out.push_back({at, node_with_type(node, i) + " expects " + kinds_text(accepted) +
                             " on input " + std::to_string(k + 1) + ", but '" + from.id + "' (" +
                             from.type + ") produces " + payload_kind_name(*from_shape.output)});
    }
  }
}

}  // namespace

std::vector<Diagnostic> validate_and_build(const PipelineSpec& spec, const NodeRegistry& registry,
                                           std::vector<std::unique_ptr<Node>>* built) {
  std::vector<Diagnostic> out;
  const SourceLocation whole_file{spec.file, 0, 0};

  if (spec.id.empty()) {
    out.push_back({whole_file, "pipeline has no 'id'; add one at the top, e.g. 'id: my_pipeline'"});
  } else if (!is_valid_id(spec.id)) {
    out.push_back(
        {whole_file, "pipeline id '" + spec.id + "' is invalid; use letters, digits, '_' and '-'"});
  }
  const SourceLocation& settings_at = located(spec.settings.location, whole_file);
  if (spec.settings.threads && *spec.settings.threads < 1) {
    out.push_back({settings_at, "setting 'threads' must be at least 1, got " +
                                    std::to_string(*spec.settings.threads)});
  }
  if (spec.settings.max_in_flight && *spec.settings.max_in_flight < 1) {
    out.push_back({settings_at, "setting 'max_in_flight' must be at least 1, got 0"});
  }
  if (spec.nodes.empty()) {
    out.push_back({whole_file, "pipeline has no nodes; add a 'nodes:' list"});
  }

  std::vector<NodeInfo> infos(spec.nodes.size());
  std::map<std::string, std::size_t> index_of;
  check_nodes(spec, registry, infos, index_of, out);
  check_inputs_exist(spec, index_of, infos, out);
  check_cycles(spec, infos, out);
  check_shapes(spec, infos, out);

  // File order reads best; problems without a line (pipeline-wide ones) come first.
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::pair(a.location.line, a.location.column) <
           std::pair(b.location.line, b.location.column);
  });

  if (out.empty() && built != nullptr) {
    built->clear();
    for (auto& info : infos) built->push_back(std::move(info.node));
  }
  return out;
}

}  // namespace sluice::detail

namespace sluice {

std::vector<Diagnostic> validate_pipeline(const PipelineSpec& spec, const NodeRegistry& registry) {
  return detail::validate_and_build(spec, registry, nullptr);
}

std::optional<std::vector<std::size_t>> topological_order(const PipelineSpec& spec) {
  const std::size_t n = spec.nodes.size();
  std::map<std::string, std::size_t> index_of;
  for (std::size_t i = 0; i < n; ++i) index_of.emplace(spec.nodes[i].id, i);

  std::vector<std::vector<std::size_t>> successors(n);
  std::vector<std::size_t> waiting(n, 0);  // inputs not yet placed
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& input : spec.nodes[i].inputs) {
      auto found = index_of.find(input.node);
      if (found == index_of.end()) continue;  // dangling: validation reports it
      successors[found->second].push_back(i);
      ++waiting[i];
    }
  }
  // A min-heap of ready nodes keeps ties in file order.
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < n; ++i) {
    if (waiting[i] == 0) ready.push(i);
  }
  std::vector<std::size_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    const std::size_t at = ready.top();
    ready.pop();
    order.push_back(at);
    for (std::size_t next : successors[at]) {
      if (--waiting[next] == 0) ready.push(next);
    }
  }
  if (order.size() != n) return std::nullopt;
  return order;
}

}  // namespace sluice
