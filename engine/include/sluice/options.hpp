#pragma once
/// Node options: the schema a node type declares (OptionSpec) and the checked values a factory
/// reads (NodeOptions). The engine checks every option against the schema before a factory runs,
/// so unknown, missing and mistyped options are reported uniformly with their file:line:column,
/// and the typed getters below cannot fail.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/status.hpp"
#include "sluice/value.hpp"

namespace sluice {

enum class OptionType : std::uint8_t {
  string,
  integer,      ///< whole number, e.g. 42
  number,       ///< decimal number, e.g. 0.5
  boolean,      ///< true/false (also yes/no, on/off)
  size,         ///< byte size: 1048576, "64KiB", "1MiB", "2GB"
  duration,     ///< time span: "500ms", "5s", "2m", "1h" (a bare number means seconds)
  string_list,  ///< a list of strings (a single string is accepted as a one-item list)
  object_list,  ///< a list of maps, each checked against `fields`
  string_map,   ///< a map of string to string
};

/// "string", "integer", ... (used in messages and `sluice nodes`).
const char* option_type_name(OptionType type) noexcept;

struct OptionSpec {
  std::string name;
  OptionType type = OptionType::string;
  std::string help;                     ///< one line for `sluice nodes` and the docs
  std::optional<std::string> fallback;  ///< default as written in YAML; none = required (unless optional)
  bool optional = false;                ///< may be absent with no default
  bool secret = false;                  ///< never printed (client secrets, tokens, keys)
  std::vector<std::string> choices;     ///< allowed values for a string option (empty = any)
  std::vector<OptionSpec> fields;       ///< for object_list: the schema of each item

  bool required() const noexcept { return !fallback && !optional; }
};

/// Builders that read well in a node's schema list.
OptionSpec required_option(std::string name, OptionType type, std::string help);
OptionSpec optional_option(std::string name, OptionType type, std::string help);
OptionSpec option_with_default(std::string name, OptionType type, std::string fallback,
                               std::string help);

/// Checks `options` (a map, or null for none) against `schema`; appends every problem.
/// Unknown keys get a "did you mean" hint.
void check_options(const Value& options, const std::vector<OptionSpec>& schema,
                   std::vector<Diagnostic>& problems);

/// Parses a size ("64KiB") or duration ("5s") as the schema does; nullopt when malformed.
std::optional<std::uint64_t> parse_size(std::string_view text);
std::optional<double> parse_duration_seconds(std::string_view text);
std::optional<bool> parse_bool(std::string_view text);

/// Checked option values of one node, with defaults applied. Getters take the option's name as
/// declared in the schema; asking for a name that is not in the schema is a programming error
/// (throws std::logic_error).
class NodeOptions {
 public:
  NodeOptions(Value values, std::vector<OptionSpec> schema, SourceLocation node_location);

  bool has(std::string_view name) const;  ///< given in the file (not just defaulted)
  std::string get_string(std::string_view name) const;
  std::int64_t get_integer(std::string_view name) const;
  double get_number(std::string_view name) const;
  bool get_bool(std::string_view name) const;
  std::uint64_t get_size(std::string_view name) const;
  double get_duration_seconds(std::string_view name) const;
  std::vector<std::string> get_string_list(std::string_view name) const;
  /// For object_list options: the items (maps), each already checked against `fields`.
  std::vector<Value> get_objects(std::string_view name) const;
  std::vector<std::pair<std::string, std::string>> get_string_map(std::string_view name) const;
  /// The raw value (null when absent and no default).
  const Value& get(std::string_view name) const;

  /// Where the option was written (or the node, when it was defaulted).
  SourceLocation location_of(std::string_view name) const;
  /// An invalid_argument Status "file:line:col: option 'name': message" for factory checks.
  Status error(std::string_view name, const std::string& message) const;

  const SourceLocation& node_location() const noexcept { return node_location_; }

 private:
  const OptionSpec& spec(std::string_view name) const;
  Value effective(std::string_view name) const;

  Value values_;
  std::vector<OptionSpec> schema_;
  SourceLocation node_location_;
};

}  // namespace sluice
