#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pipeline_loader_detail.hpp"
#include "pipeline_validator.hpp"
#include "variables.hpp"
#include "yaml_documents.hpp"

namespace sluice {

const NodeSpec* PipelineSpec::find_node(const std::string& node_id) const {
  for (const auto& node : nodes) {
    if (node.id == node_id) return &node;
  }
  return nullptr;
}

namespace detail {

namespace {

const std::vector<std::string> kTopKeys = {"id", "description", "settings", "nodes"};
const std::vector<std::string> kSettingKeys = {"threads", "max_in_flight"};
const std::vector<std::string> kNodeKeys = {"id", "type", "input", "inputs", "options"};
constexpr std::string_view kSecretTag = "!secret";

/// yaml-cpp marks are 0-based (and -1 when unknown); locations are 1-based (0 when unknown).
SourceLocation mark_location(const std::string& file, const YAML::Mark& mark) {
  SourceLocation location;
  location.file = file;
  if (mark.line >= 0 && mark.column >= 0) {
    location.line = mark.line + 1;
    location.column = mark.column + 1;
  }
  return location;
}

void add_problem(std::vector<Diagnostic>& problems, SourceLocation location, std::string message) {
  Diagnostic problem;
  problem.location = std::move(location);
  problem.message = std::move(message);
  problems.push_back(std::move(problem));
}

/// Braces are flow indicators in YAML, so "{ rows: ${rows} }" would not parse. Before parsing,
/// the braces of each ${...} reference are swapped for two characters the file does not contain
/// (same length, so every line and column stays right); scalars and keys get them back after.
class ReferenceMask {
 public:
  explicit ReferenceMask(const std::string& text) {
    static constexpr std::string_view kCandidates = "^~`@|";
    for (char c : kCandidates) {
      if (text.find(c) != std::string::npos) continue;
      if (open_ == 0) {
        open_ = c;
      } else if (close_ == 0) {
        close_ = c;
      }
    }
    if (close_ == 0) open_ = 0;  // nothing free to mask with: parse the text as it is
  }

  std::string mask(std::string text) const {
    if (open_ == 0) return text;
    std::size_t i = 0;
    while (i + 1 < text.size()) {
      if (text[i] == '$' && text[i + 1] == '$') {
        i += 2;
      } else if (text[i] == '$' && text[i + 1] == '{') {
        i = mask_reference(text, i);
      } else {
        ++i;
      }
    }
    return text;
  }

  std::string unmask(std::string text) const {
    if (open_ == 0) return text;
    for (char& c : text) {
      if (c == open_) c = '{';
      if (c == close_) c = '}';
    }
    return text;
  }

 private:
  /// Masks the reference starting at `start` if it closes on the same line (nested references
  /// in defaults included); returns where scanning goes on.
  std::size_t mask_reference(std::string& text, std::size_t start) const {
    std::vector<std::size_t> braces;
    int depth = 0;
    std::size_t i = start;
    while (i < text.size() && text[i] != '\n') {
      if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
        i += 2;
      } else if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
        ++depth;
        braces.push_back(i + 1);
        i += 2;
      } else if (text[i] == '}' && depth > 0) {
        braces.push_back(i++);
        if (--depth == 0) break;
      } else {
        ++i;
      }
    }
    if (depth != 0) return start + 2;  // unterminated: left for expansion to report
    for (std::size_t at : braces) text[at] = text[at] == '{' ? open_ : close_;
    return i;
  }

  char open_ = 0;
  char close_ = 0;
};

/// Turns the YAML document into a PipelineSpec, collecting every problem on the way.
class Loader {
 public:
  Loader(std::string file, const LoadOptions& options, const ReferenceMask& mask,
         std::vector<Diagnostic>& problems)
      : file_(std::move(file)), options_(options), mask_(mask), problems_(problems) {}

  PipelineSpec load(const YAML::Node& root) {
    PipelineSpec spec;
    spec.file = file_;
    if (!root.IsDefined() || root.IsNull()) {
      problem(mark_location(file_, YAML::Mark::null_mark()),
              "the pipeline file is empty; it needs a map with 'id' and 'nodes'");
      return spec;
    }
    if (!root.IsMap()) {
      problem(at(root.Mark()),
              "the pipeline file must be a map with 'id' and 'nodes', got " + describe_kind(root));
      return spec;
    }
    for (const auto& [key, key_at, value] : entries(root)) {
      if (key == "id") {
        spec.id = text(value, key_at, "'id'");
      } else if (key == "description") {
        spec.description = text(value, key_at, "'description'");
      } else if (key == "settings") {
        load_settings(value, key_at, spec.settings);
      } else if (key == "nodes") {
        load_nodes(value, spec.nodes);
      } else {
        unknown_key(key, key_at, "at the top level", kTopKeys);
      }
    }
    return spec;
  }

 private:
  struct Entry {
    std::string key;
    SourceLocation key_at;
    YAML::Node value;
  };

  SourceLocation at(const YAML::Mark& mark) const { return mark_location(file_, mark); }

  void problem(SourceLocation location, std::string message) {
    add_problem(problems_, std::move(location), std::move(message));
  }

  std::string scalar_text(const YAML::Node& node) const { return mask_.unmask(node.Scalar()); }

  std::string describe_kind(const YAML::Node& node) const {
    if (node.IsSequence()) return "a list";
    if (node.IsMap()) return "a map";
    if (node.IsScalar()) return node.Tag() == kSecretTag ? "***" : "'" + scalar_text(node) + "'";
    return "nothing";
  }

  /// A map's entries in file order; non-text and repeated keys are reported and left out.
  std::vector<Entry> entries(const YAML::Node& map) {
    std::vector<Entry> out;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const SourceLocation key_at = at(it->first.Mark());
      if (!it->first.IsScalar()) {
        problem(key_at, "map keys must be plain text, got " + describe_kind(it->first));
        continue;
      }
      const std::string key = scalar_text(it->first);
      const bool repeated =
          std::any_of(out.begin(), out.end(), [&](const Entry& entry) { return entry.key == key; });
      if (repeated) {
        problem(key_at, "duplicate key '" + key + "'");
        continue;
      }
      out.push_back({key, key_at, it->second});
    }
    return out;
  }

  void unknown_key(const std::string& key, const SourceLocation& key_at, const std::string& where,
                   const std::vector<std::string>& known) {
    problem(key_at, with_suggestion("unknown key '" + key + "' " + where, key, known, "Keys"));
  }

  /// Converts a YAML subtree to a Value with locations and secrets, without expanding it.
  /// Empty values have no position of their own in yaml-cpp, so they take `fallback` (the key).
  Value convert(const YAML::Node& node, const SourceLocation& fallback) {
    Value value;
    if (node.IsScalar()) {
      value = Value::scalar(scalar_text(node), at(node.Mark()));
    } else if (node.IsSequence()) {
      std::vector<Value> items;
      for (const auto& item : node) items.push_back(convert(item, at(item.Mark())));
      value = Value::list(std::move(items), at(node.Mark()));
    } else if (node.IsMap()) {
      std::vector<std::pair<std::string, Value>> fields;
      for (const auto& [key, key_at, child] : entries(node)) {
        fields.emplace_back(key, convert(child, key_at));
      }
      value = Value::map(std::move(fields), at(node.Mark()));
    } else {
      value.set_location(fallback);
    }
    check_tag(node, value);
    return value;
  }

  void check_tag(const YAML::Node& node, Value& value) {
    const std::string& tag = node.Tag();
    if (tag == kSecretTag) {
      value.mark_secret();
    } else if (!tag.empty() && tag != "?" && tag != "!" &&
               tag.rfind("tag:yaml.org,2002:", 0) != 0) {
      problem(value.location(), "unknown tag '" + tag + "'; the only tag sluice knows is !secret");
    }
  }

  /// A converted and expanded subtree.
  Value expanded(const YAML::Node& node, const SourceLocation& fallback) {
    Value value = convert(node, fallback);
    expand_value(value, options_, problems_);
    return value;
  }

  /// A scalar field as expanded text; an empty value is "". Lists and maps are reported.
  std::string text(const YAML::Node& node, const SourceLocation& key_at, const std::string& what) {
    if (node.IsNull()) return {};
    if (!node.IsScalar()) {
      problem(at(node.Mark()), what + " must be text, got " + describe_kind(node));
      return {};
    }
    return expanded(node, key_at).text();
  }

  void load_settings(const YAML::Node& node, const SourceLocation& key_at,
                     PipelineSettings& settings) {
    settings.location = key_at;
    if (node.IsNull()) return;
    if (!node.IsMap()) {
      problem(at(node.Mark()), "'settings' must be a map, got " + describe_kind(node));
      return;
    }
    for (const auto& [key, setting_at, value] : entries(node)) {
      if (key != "threads" && key != "max_in_flight") {
        unknown_key(key, setting_at, "in 'settings'", kSettingKeys);
        continue;
      }
      const std::optional<long long> number = positive_integer(value, setting_at, key);
      if (!number) continue;
      if (key == "threads") {
        settings.threads = static_cast<int>(*number);
      } else {
        settings.max_in_flight = static_cast<std::size_t>(*number);
      }
    }
  }

  std::optional<long long> positive_integer(const YAML::Node& node, const SourceLocation& key_at,
                                            const std::string& key) {
    const SourceLocation where = node.IsNull() ? key_at : at(node.Mark());
    std::string shown = describe_kind(node);
    if (node.IsScalar()) {
      const std::string digits = expanded(node, key_at).text();
      shown = "'" + digits + "'";
      long long number = 0;
      bool valid =
          !digits.empty() && digits.size() <= 9 &&
          std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (valid) number = std::stoll(digits);
      if (valid && number >= 1) return number;
    }
    problem(where, "setting '" + key + "' must be a whole number of at least 1, got " + shown);
    return std::nullopt;
  }

  void load_nodes(const YAML::Node& node, std::vector<NodeSpec>& nodes) {
    if (node.IsNull()) return;
    if (!node.IsSequence()) {
      problem(at(node.Mark()), "'nodes' must be a list of nodes, got " + describe_kind(node));
      return;
    }
    std::size_t number = 0;
    for (const auto& item : node) {
      ++number;
      if (!item.IsMap()) {
        problem(at(item.Mark()), "each entry of 'nodes' must be a map with 'id' and 'type', got " +
                                     describe_kind(item));
        continue;
      }
      nodes.push_back(load_node(item, number));
    }
  }

  NodeSpec load_node(const YAML::Node& item, std::size_t number) {
    NodeSpec spec;
    spec.location = at(item.Mark());
    spec.options.set_location(spec.location);
    const std::vector<Entry> fields = entries(item);

    // The id first, so the other messages can name the node whatever the key order.
    for (const auto& [key, key_at, value] : fields) {
      if (key == "id") spec.id = text(value, key_at, "'id'");
    }
    const std::string name =
        spec.id.empty() ? "node " + std::to_string(number) : "node '" + spec.id + "'";

    const Entry* input_entry = nullptr;
    for (const auto& entry : fields) {
      const auto& [key, key_at, value] = entry;
      if (key == "id") continue;
      if (key == "type") {
        spec.type = text(value, key_at, "'type' of " + name);
        spec.type_location = value.IsNull() ? key_at : at(value.Mark());
      } else if (key == "input" || key == "inputs") {
        if (input_entry != nullptr) {
          problem(key_at, name + " has both '" + input_entry->key + "' and '" + key +
                              "'; list every input under one of them");
          continue;
        }
        input_entry = &entry;
        load_inputs(value, key_at, name, spec.inputs);
      } else if (key == "options") {
        spec.options = expanded(value, key_at);
      } else {
        unknown_key(key, key_at, "in " + name, kNodeKeys);
      }
    }
    return spec;
  }

  void load_inputs(const YAML::Node& node, const SourceLocation& key_at, const std::string& name,
                   std::vector<InputRef>& inputs) {
    if (node.IsNull()) return;
    if (node.IsScalar()) {
      inputs.push_back({expanded(node, key_at).text(), at(node.Mark())});
      return;
    }
    if (!node.IsSequence()) {
      problem(at(node.Mark()), "the input of " + name +
                                   " must be a node id or a list of node ids, got " +
                                   describe_kind(node));
      return;
    }
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        problem(item.IsNull() ? key_at : at(item.Mark()),
                "each input of " + name + " must be a node id, got " + describe_kind(item));
        continue;
      }
      inputs.push_back({expanded(item, key_at).text(), at(item.Mark())});
    }
  }

  std::string file_;
  const LoadOptions& options_;
  const ReferenceMask& mask_;
  std::vector<Diagnostic>& problems_;
};

/// The name in a "variable 'NAME' is not set; ..." message, or "" for other messages.
std::string unset_variable_name(const std::string& message) {
  static constexpr std::string_view kHead = "variable '";
  static constexpr std::string_view kTail = "' is not set";
  if (message.rfind(kHead, 0) != 0) return "";
  const auto end = message.find(kTail, kHead.size());
  return end == std::string::npos ? "" : message.substr(kHead.size(), end - kHead.size());
}

/// A pipeline that uses several unset variables (often each in several places) gets one message
/// naming them all, at the first use, instead of a line per use.
void merge_unset_variables(std::vector<Diagnostic>& diagnostics, std::size_t first) {
  std::vector<std::string> names;
  std::size_t uses = 0;
  std::size_t at = diagnostics.size();
  for (std::size_t i = first; i < diagnostics.size(); ++i) {
    const std::string name = unset_variable_name(diagnostics[i].message);
    if (name.empty()) continue;
    ++uses;
    if (at == diagnostics.size()) at = i;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  if (uses < 2) return;
  Diagnostic merged = diagnostics[at];
  if (names.size() > 1) {
    std::string list;
    for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
    merged.message = std::to_string(names.size()) + " variables are not set: " + list +
                     "; set them in the environment or with --set NAME=value";
  }
  std::vector<Diagnostic> kept(diagnostics.begin(), diagnostics.begin() + static_cast<std::ptrdiff_t>(first));
  for (std::size_t i = first; i < diagnostics.size(); ++i) {
    if (i == at) {
      kept.push_back(merged);
    } else if (unset_variable_name(diagnostics[i].message).empty()) {
      kept.push_back(std::move(diagnostics[i]));
    }
  }
  diagnostics = std::move(kept);
}

std::string join_lines(const std::vector<Diagnostic>& diagnostics, std::size_t first) {
  std::string out;
  for (std::size_t i = first; i < diagnostics.size(); ++i) {
    if (!out.empty()) out += '\n';
    out += diagnostics[i].describe();
  }
  return out;
}

}  // namespace

Result<PipelineSpec> load_pipeline(const std::string& text, const std::string& file_name,
                                   const LoadOptions& options,
                                   std::vector<Diagnostic>& diagnostics) {
  const std::size_t first = diagnostics.size();
  const ReferenceMask mask(text);
  YamlDocuments documents;
  try {
    documents = load_yaml_documents(mask.mask(text));
  } catch (const YAML::ParserException& error) {
    add_problem(diagnostics, mark_location(file_name, error.mark),
                "YAML syntax error: " + error.msg);
    return invalid_argument(join_lines(diagnostics, first));
  } catch (const YAML::Exception& error) {
    add_problem(diagnostics, mark_location(file_name, YAML::Mark::null_mark()),
                "YAML error: " + error.msg);
    return invalid_argument(join_lines(diagnostics, first));
  }

  Loader loader(file_name, options, mask, diagnostics);
  PipelineSpec spec = loader.load(documents.first);
  if (documents.second) {
    add_problem(diagnostics, mark_location(file_name, *documents.second),
                "a pipeline file holds one YAML document; remove this second one");
  }
  if (diagnostics.size() == first) return spec;

  std::stable_sort(diagnostics.begin() + static_cast<std::ptrdiff_t>(first), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::pair(a.location.line, a.location.column) <
                            std::pair(b.location.line, b.location.column);
                   });
  merge_unset_variables(diagnostics, first);
  return invalid_argument(join_lines(diagnostics, first));
}

Result<std::string> read_pipeline_file(const std::string& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) {
    return Status(StatusCode::not_found, "pipeline file '" + path + "' does not exist");
  }
  if (std::filesystem::is_directory(status)) {
    return io_error("pipeline file '" + path + "' is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return io_error("cannot open pipeline file '" + path + "': " + std::strerror(errno));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return io_error("cannot read pipeline file '" + path + "'");
  return content.str();
}

}  // namespace detail

Result<PipelineSpec> load_pipeline_file(const std::string& path, const LoadOptions& options) {
  Result<std::string> text = detail::read_pipeline_file(path);
  if (!text.ok()) return text.status();
  std::vector<Diagnostic> diagnostics;
  return detail::load_pipeline(*text, path, options, diagnostics);
}

Result<PipelineSpec> load_pipeline_text(const std::string& text, const std::string& file_name,
                                        const LoadOptions& options) {
  std::vector<Diagnostic> diagnostics;
  return detail::load_pipeline(text, file_name, options, diagnostics);
}

}  // namespace sluice
