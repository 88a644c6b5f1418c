#include "sluice/node_registry.hpp"

#include <stdexcept>

namespace sluice {

namespace {

/// Lowercase ASCII letters, digits and '_', starting with a letter.
bool is_snake_case(const std::string& name) {
  if (name.empty() || name.front() < 'a' || name.front() > 'z') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool is_empty_default(const std::string& text) {
  return text.empty() || text == "[]" || text == "{}";
}

/// Catches schema mistakes when a type is added rather than when a pipeline happens to use a
/// default: bad names, repeated names, and defaults that do not fit their own type.
Status check_schema(const std::vector<OptionSpec>& schema, const std::string& owner) {
  for (std::size_t i = 0; i < schema.size(); ++i) {
    const OptionSpec& spec = schema[i];
    if (!is_snake_case(spec.name)) {
      return invalid_argument(owner + ": option name '" + spec.name + "' must be snake_case");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (schema[j].name == spec.name) {
        return invalid_argument(owner + ": option '" + spec.name + "' is declared twice");
      }
    }
    if (spec.type == OptionType::object_list) {
      Status fields = check_schema(spec.fields, owner + ", option '" + spec.name + "'");
      if (!fields.ok()) return fields;
    }
    if (!spec.fallback) continue;

    const std::string bad_default = owner + ": the default of option '" + spec.name +
                                    "' is not a valid " + option_type_name(spec.type);
    if (spec.type == OptionType::object_list || spec.type == OptionType::string_map) {
      if (!is_empty_default(*spec.fallback)) return invalid_argument(bad_default);
      continue;
    }
    if (spec.type == OptionType::string_list) continue;  // any text is a valid list default
    OptionSpec alone = spec;
    alone.fallback.reset();
    alone.optional = true;
    std::vector<Diagnostic> problems;
    check_options(Value::map({{spec.name, Value::scalar(*spec.fallback)}}), {alone}, problems);
    if (!problems.empty()) return invalid_argument(bad_default + ": " + problems.front().message);
  }
  return Status::success();
}

}  // namespace

Status NodeRegistry::add(NodeType type) {
  if (type.key.empty()) return invalid_argument("node type key must not be empty");
  if (!is_snake_case(type.key)) {
    return invalid_argument("node type key '" + type.key +
                            "' must be snake_case (lowercase letters, digits and '_', starting "
                            "with a letter)");
  }
  if (!type.make) return invalid_argument("node type '" + type.key + "' has no factory");
  if (types_.count(type.key) != 0) {
    return invalid_argument("node type '" + type.key + "' is already registered");
  }
  Status schema = check_schema(type.options, "node type '" + type.key + "'");
  if (!schema.ok()) return schema;
  std::string key = type.key;
  types_.emplace(std::move(key), std::move(type));
  return Status::success();
}

const NodeType* NodeRegistry::find(const std::string& key) const {
  auto found = types_.find(key);
  return found == types_.end() ? nullptr : &found->second;
}

std::vector<std::string> NodeRegistry::keys() const {
  std::vector<std::string> out;
  out.reserve(types_.size());
  for (const auto& entry : types_) out.push_back(entry.first);
  return out;
}

std::vector<const NodeType*> NodeRegistry::types() const {
  std::vector<const NodeType*> out;
  out.reserve(types_.size());
  for (const auto& entry : types_) out.push_back(&entry.second);
  return out;
}

}  // namespace sluice
