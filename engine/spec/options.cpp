#include "sluice/options.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "pipeline_validator.hpp"

namespace sluice {

const char* option_type_name(OptionType type) noexcept {
  switch (type) {
    case OptionType::string: return "string";
    case OptionType::integer: return "integer";
    case OptionType::number: return "number";
    case OptionType::boolean: return "boolean";
    case OptionType::size: return "size";
    case OptionType::duration: return "duration";
    case OptionType::string_list: return "string_list";
    case OptionType::object_list: return "object_list";
    case OptionType::string_map: return "string_map";
  }
  return "?";
}

OptionSpec required_option(std::string name, OptionType type, std::string help) {
  OptionSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.help = std::move(help);
  return spec;
}

OptionSpec optional_option(std::string name, OptionType type, std::string help) {
  OptionSpec spec = required_option(std::move(name), type, std::move(help));
  spec.optional = true;
  return spec;
}

OptionSpec option_with_default(std::string name, OptionType type, std::string fallback,
                               std::string help) {
  OptionSpec spec = required_option(std::move(name), type, std::move(help));
  spec.fallback = std::move(fallback);
  return spec;
}

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Splits "64 KiB" into the number "64" and the unit "KiB" (spaces between them allowed).
std::pair<std::string_view, std::string_view> split_number_unit(std::string_view text) {
  std::size_t end = 0;
  while (end < text.size() && (is_digit(text[end]) || text[end] == '.')) ++end;
  std::string_view unit = trim(text.substr(end));
  return {text.substr(0, end), unit};
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_number(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

/// How a wrong value is shown: quoted scalars, "[list]"/"{map}"/"null", "***" for secrets.
std::string shown(const Value& value, bool secret) {
  if (secret || value.secret()) return "***";
  if (value.is_scalar()) return "'" + value.text() + "'";
  return value.display();
}

/// What a value of `type` looks like, for "must be ..." messages.
std::string expected(OptionType type) {
  switch (type) {
    case OptionType::string: return "a string";
    case OptionType::integer: return "an integer";
    case OptionType::number: return "a number";
    case OptionType::boolean: return "a boolean (true/false, yes/no, on/off)";
    case OptionType::size: return "a size (e.g. 1048576, 64KiB, 1MiB, 2GB)";
    case OptionType::duration: return "a duration (e.g. 500ms, 5s, 2m, 1h)";
    case OptionType::string_list: return "a string or a list of strings";
    case OptionType::object_list: return "a list of maps";
    case OptionType::string_map: return "a map of names to strings";
  }
  return "?";
}

bool scalar_fits(OptionType type, const std::string& text) {
  switch (type) {
    case OptionType::string: return true;
    case OptionType::integer: return parse_integer(text).has_value();
    case OptionType::number: return parse_number(text).has_value();
    case OptionType::boolean: return parse_bool(text).has_value();
    case OptionType::size: return parse_size(text).has_value();
    case OptionType::duration: return parse_duration_seconds(text).has_value();
    case OptionType::string_list: return true;
    case OptionType::object_list:
    case OptionType::string_map: return false;
  }
  return false;
}

const SourceLocation& best_location(const Value& value, const SourceLocation& fallback) {
  return value.location().line > 0 || fallback.line == 0 ? value.location() : fallback;
}

/// Names the thing being checked in messages: options of a node, or fields of one list item.
struct Scope {
  std::string noun;    ///< "option" or "field"
  std::string suffix;  ///< "" or " in item 2 of option 'columns'"
  std::string owner;   ///< "for this node" or "in item 2 of option 'columns'"
  std::string label;   ///< "Options" or "Fields"
};

void check_map(const Value& values, const std::vector<OptionSpec>& schema, const Scope& scope,
               std::vector<Diagnostic>& problems);

void add(std::vector<Diagnostic>& problems, const SourceLocation& location, std::string message) {
  problems.push_back({location, std::move(message)});
}

void check_choice(const Value& value, const OptionSpec& spec, const std::string& what,
                  const SourceLocation& at, std::vector<Diagnostic>& problems) {
  if (spec.choices.empty()) return;
  for (const auto& choice : spec.choices) {
    if (choice == value.text()) return;
  }
  const bool secret = spec.secret || value.secret();
  std::string message = what + " has an invalid value " + shown(value, secret);
  if (secret) {
    // A hint would tell how close a secret is to a public word.
    message += ". Choices: " + detail::join_names(spec.choices);
  } else {
    message = detail::with_suggestion(std::move(message), value.text(), spec.choices, "Choices");
  }
  add(problems, at, std::move(message));
}

void check_value(const Value& value, const OptionSpec& spec, const Scope& scope,
                 const SourceLocation& parent, std::vector<Diagnostic>& problems) {
  const std::string what = scope.noun + " '" + spec.name + "'" + scope.suffix;
  const SourceLocation& at = best_location(value, parent);
  const bool secret = spec.secret || value.secret();
  auto wrong_type = [&] {
    add(problems, at, what + " must be " + expected(spec.type) + ", got " + shown(value, secret));
  };

  switch (spec.type) {
    case OptionType::string:
    case OptionType::integer:
    case OptionType::number:
    case OptionType::boolean:
    case OptionType::size:
    case OptionType::duration:
      if (!value.is_scalar() || !scalar_fits(spec.type, value.text())) {
        wrong_type();
      } else {
        check_choice(value, spec, what, at, problems);
      }
      return;
    case OptionType::string_list:
      if (value.is_scalar()) {
        check_choice(value, spec, what, at, problems);
        return;
      }
      if (!value.is_list()) {
        wrong_type();
        return;
      }
      for (std::size_t i = 0; i < value.items().size(); ++i) {
        const Value& item = value.items()[i];
        const std::string item_what = "item " + std::to_string(i + 1) + " of " + scope.noun + " '" +
                                      spec.name + "'" + scope.suffix;
        const SourceLocation& item_at = best_location(item, at);
        if (!item.is_scalar()) {
          add(problems, item_at, item_what + " must be a string, got " + shown(item, secret));
        } else {
          check_choice(item, spec, item_what, item_at, problems);
        }
      }
      return;
    case OptionType::object_list:
      if (!value.is_list()) {
        wrong_type();
        return;
      }
      for (std::size_t i = 0; i < value.items().size(); ++i) {
        const Value& item = value.items()[i];
        const std::string item_name = "item " + std::to_string(i + 1) + " of " + scope.noun + " '" +
                                      spec.name + "'" + scope.suffix;
        if (!item.is_map()) {
          add(problems, best_location(item, at),
              item_name + " must be a map, got " + shown(item, secret));
          continue;
        }
        Value checked = item;
        if (checked.location().line == 0) checked.set_location(at);
        if (secret) checked.mark_secret();
        check_map(checked, spec.fields,
                  Scope{"field", " in " + item_name, "in " + item_name, "Fields"}, problems);
      }
      return;
    case OptionType::string_map:
      if (!value.is_map()) {
        wrong_type();
        return;
      }
      for (const auto& [key, entry] : value.entries()) {
        if (!entry.is_scalar()) {
          add(problems, best_location(entry, at),
              "value of '" + key + "' in " + what + " must be a string, got " +
                  shown(entry, secret));
        }
      }
      return;
  }
}

void check_map(const Value& values, const std::vector<OptionSpec>& schema, const Scope& scope,
               std::vector<Diagnostic>& problems) {
  std::vector<std::string> names;
  names.reserve(schema.size());
  for (const auto& spec : schema) names.push_back(spec.name);

  const auto& entries = values.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& [key, value] = entries[i];
    const SourceLocation& at = best_location(value, values.location());
    bool repeated = false;
    for (std::size_t j = 0; j < i && !repeated; ++j) repeated = entries[j].first == key;
    if (repeated) {
      add(problems, at, scope.noun + " '" + key + "'" + scope.suffix + " is given more than once");
      continue;
    }
    const OptionSpec* spec = nullptr;
    for (const auto& candidate : schema) {
      if (candidate.name == key) spec = &candidate;
    }
    if (spec == nullptr) {
      add(problems, at,
          detail::with_suggestion("unknown " + scope.noun + " '" + key + "' " + scope.owner, key,
                                  names, scope.label));
      continue;
    }
    check_value(value, *spec, scope, values.location(), problems);
  }

  for (const auto& spec : schema) {
    if (!spec.required() || values.find(spec.name) != nullptr) continue;
    std::string message = "missing required " + scope.noun + " '" + spec.name + "' (" +
                          option_type_name(spec.type) + ")" + scope.suffix;
    if (!spec.help.empty()) message += ": " + spec.help;
    add(problems, values.location(), std::move(message));
  }
}

/// Multiplier of a size unit, or 0 when the unit is unknown.
std::uint64_t size_unit(const std::string& unit) {
  if (unit.empty() || unit == "b") return 1;
  if (unit == "kb") return 1000ULL;
  if (unit == "mb") return 1000ULL * 1000;
  if (unit == "gb") return 1000ULL * 1000 * 1000;
  if (unit == "tb") return 1000ULL * 1000 * 1000 * 1000;
  if (unit == "kib") return 1ULL << 10;
  if (unit == "mib") return 1ULL << 20;
  if (unit == "gib") return 1ULL << 30;
  if (unit == "tib") return 1ULL << 40;
  return 0;
}

/// The default of an option as a Value: scalars stay text; "[a, b]" is a string list.
Value default_value(const OptionSpec& spec, const SourceLocation& location) {
  const std::string text = std::string(trim(*spec.fallback));
  Value value;
  switch (spec.type) {
    case OptionType::string_list: {
      if (text.size() < 2 || text.front() != '[' || text.back() != ']') {
        value = text.empty() ? Value::list({}, location) : Value::scalar(text, location);
        break;
      }
      std::vector<Value> items;
      std::string_view rest = std::string_view(text).substr(1, text.size() - 2);
      while (!trim(rest).empty()) {
        const std::size_t comma = rest.find(',');
        items.push_back(Value::scalar(std::string(trim(rest.substr(0, comma))), location));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
      value = Value::list(std::move(items), location);
      break;
    }
    case OptionType::object_list: value = Value::list({}, location); break;
    case OptionType::string_map: value = Value::map({}, location); break;
    default: value = Value::scalar(*spec.fallback, location); break;
  }
  if (spec.secret) value.mark_secret();
  return value;
}

[[noreturn]] void unchecked(std::string_view name, const Value& value, OptionType type) {
  throw std::logic_error("option '" + std::string(name) + "' was not checked: " +
                         shown(value, value.secret()) + " is not " + expected(type));
}

}  // namespace

void check_options(const Value& options, const std::vector<OptionSpec>& schema,
                   std::vector<Diagnostic>& problems) {
  if (options.is_null()) {
    check_map(Value::map({}, options.location()), schema,
              Scope{"option", "", "for this node", "Options"}, problems);
    return;
  }
  if (!options.is_map()) {
    add(problems, options.location(),
        "'options' must be a map of option names to values, got " + shown(options, false));
    return;
  }
  check_map(options, schema, Scope{"option", "", "for this node", "Options"}, problems);
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  const auto [number, unit_text] = split_number_unit(trim(text));
  const std::uint64_t unit = size_unit(lower(unit_text));
  if (unit == 0 || number.empty() || !is_digit(number.front())) return std::nullopt;

  const std::size_t dot = number.find('.');
  const std::string_view whole = number.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
  // Six decimals are plenty for "1.5MiB" and keep the exact arithmetic below within 64 bits.
  if (dot != std::string_view::npos &&
      (fraction.empty() || fraction.size() > 6 || fraction.find('.') != std::string_view::npos)) {
    return std::nullopt;
  }

  std::uint64_t bytes = 0;
  const auto [end, error] = std::from_chars(whole.data(), whole.data() + whole.size(), bytes);
  if (error != std::errc() || end != whole.data() + whole.size()) return std::nullopt;
  if (bytes > std::numeric_limits<std::uint64_t>::max() / unit) return std::nullopt;
  bytes *= unit;

  if (!fraction.empty()) {
    // Exact arithmetic: "1.5KiB" is 1536 bytes, but "1.3B" is not a whole number of bytes.
    std::uint64_t numerator = 0;
    std::uint64_t denominator = 1;
    for (char c : fraction) {
      numerator = numerator * 10 + static_cast<unsigned>(c - '0');
      denominator *= 10;
    }
    numerator *= unit;
    if (numerator % denominator != 0) return std::nullopt;
    const std::uint64_t extra = numerator / denominator;
    if (extra > std::numeric_limits<std::uint64_t>::max() - bytes) return std::nullopt;
    bytes += extra;
  }
  return bytes;
}

std::optional<double> parse_duration_seconds(std::string_view text) {
  const auto [number, unit_text] = split_number_unit(trim(text));
  if (number.empty() || !is_digit(number.front())) return std::nullopt;
  const std::string unit = lower(unit_text);
  double scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1;
  } else if (unit == "ms") {
    scale = 0.001;
  } else if (unit == "m") {
    scale = 60;
  } else if (unit == "h") {
    scale = 3600;
  } else {
    return std::nullopt;
  }
  const std::optional<double> value = parse_number(number);
  if (!value) return std::nullopt;
  return *value * scale;
}

std::optional<bool> parse_bool(std::string_view text) {
  const std::string word = lower(trim(text));
  if (word == "true" || word == "yes" || word == "on") return true;
  if (word == "false" || word == "no" || word == "off") return false;
  return std::nullopt;
}

// values_ holds two maps: [0] the options given in the file, [1] the defaults of the others, so
// get() can hand out references to defaults and has() can tell the two apart.
NodeOptions::NodeOptions(Value values, std::vector<OptionSpec> schema, SourceLocation node_location)
    : schema_(std::move(schema)), node_location_(std::move(node_location)) {
  Value given = values.is_map() ? std::move(values) : Value::map({}, values.location());
  for (auto& [name, value] : given.entries()) {
    for (const auto& spec : schema_) {
      // Marking here keeps secrets hidden even if a node logs value.display().
      if (spec.name == name && spec.secret) value.mark_secret();
    }
  }
  Value defaults = Value::map({}, node_location_);
  for (const auto& spec : schema_) {
    if (spec.fallback && given.find(spec.name) == nullptr) {
      defaults.set(spec.name, default_value(spec, node_location_));
    }
  }
  std::vector<Value> parts;
  parts.push_back(std::move(given));
  parts.push_back(std::move(defaults));
  values_ = Value::list(std::move(parts));
}

const OptionSpec& NodeOptions::spec(std::string_view name) const {
  for (const auto& spec : schema_) {
    if (spec.name == name) return spec;
  }
  throw std::logic_error("option '" + std::string(name) + "' is not in this node type's schema");
}

Value NodeOptions::effective(std::string_view name) const { return get(name); }

const Value& NodeOptions::get(std::string_view name) const {
  static const Value kAbsent;
  (void)spec(name);  // throws for names outside the schema
  if (const Value* given = values_.items()[0].find(name)) return *given;
  if (const Value* fallback = values_.items()[1].find(name)) return *fallback;
  return kAbsent;
}

bool NodeOptions::has(std::string_view name) const {
  (void)spec(name);
  return values_.items()[0].find(name) != nullptr;
}

std::string NodeOptions::get_string(std::string_view name) const {
  const Value& value = get(name);
  if (value.is_null()) return {};
  if (!value.is_scalar()) unchecked(name, value, OptionType::string);
  return value.text();
}

std::int64_t NodeOptions::get_integer(std::string_view name) const {
  const Value& value = get(name);
  if (value.is_null()) return 0;
  const auto parsed = value.is_scalar() ? parse_integer(value.text()) : std::nullopt;
  if (!parsed) unchecked(name, value, OptionType::integer);
  return *parsed;
}

double NodeOptions::get_number(std::string_view name) const {
  const Value& value = get(name);
  if (value.is_null()) return 0;
  const auto parsed = value.is_scalar() ? parse_number(value.text()) : std::nullopt;
  if (!parsed) unchecked(name, value, OptionType::number);
  return *parsed;
}

bool NodeOptions::get_bool(std::string_view name) const {
  const Value& value = get(name);
  if (value.is_null()) return false;
  const auto parsed = value.is_scalar() ? parse_bool(value.text()) : std::nullopt;
  if (!parsed) unchecked(name, value, OptionType::boolean);
  return *parsed;
}

std::uint64_t NodeOptions::get_size(std::string_view name) const {
  const Value& value = get(name);
  if (value.is_null()) return 0;
  const auto parsed = value.is_scalar() ? parse_size(value.text()) : std::nullopt;
  if (!parsed) unchecked(name, value, OptionType::size);
  return *parsed;
}

double NodeOptions::get_duration_seconds(std::string_view name) const {
  const Value& value = get(name);
  if (value.is_null()) return 0;
  const auto parsed = value.is_scalar() ? parse_duration_seconds(value.text()) : std::nullopt;
  if (!parsed) unchecked(name, value, OptionType::duration);
  return *parsed;
}

std::vector<std::string> NodeOptions::get_string_list(std::string_view name) const {
  const Value& value = get(name);
  if (value.is_null()) return {};
  if (value.is_scalar()) return {value.text()};
  if (!value.is_list()) unchecked(name, value, OptionType::string_list);
  std::vector<std::string> out;
  out.reserve(value.items().size());
  for (const auto& item : value.items()) {
    if (!item.is_scalar()) unchecked(name, value, OptionType::string_list);
    out.push_back(item.text());
  }
  return out;
}

std::vector<Value> NodeOptions::get_objects(std::string_view name) const {
  const OptionSpec& object_spec = spec(name);
  const Value& value = get(name);
  if (value.is_null()) return {};
  if (!value.is_list()) unchecked(name, value, OptionType::object_list);
  std::vector<Value> items = value.items();
  // Fields get their defaults and secrecy here, as options do in the constructor.
  for (Value& item : items) {
    if (!item.is_map()) unchecked(name, value, OptionType::object_list);
    for (const auto& field : object_spec.fields) {
      if (const Value* given = item.find(field.name)) {
        if (field.secret && !given->secret()) {
          Value hidden = *given;
          hidden.mark_secret();
          item.set(field.name, std::move(hidden));
        }
      } else if (field.fallback) {
        item.set(field.name, default_value(field, item.location()));
      }
    }
  }
  return items;
}

std::vector<std::pair<std::string, std::string>> NodeOptions::get_string_map(
    std::string_view name) const {
  const Value& value = get(name);
  if (value.is_null()) return {};
  if (!value.is_map()) unchecked(name, value, OptionType::string_map);
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(value.entries().size());
  for (const auto& [key, entry] : value.entries()) {
    if (!entry.is_scalar()) unchecked(name, value, OptionType::string_map);
    out.emplace_back(key, entry.text());
  }
  return out;
}

SourceLocation NodeOptions::location_of(std::string_view name) const {
  (void)spec(name);
  const Value* given = values_.items()[0].find(name);
  if (given != nullptr && given->location().line > 0) return given->location();
  return node_location_;
}

Status NodeOptions::error(std::string_view name, const std::string& message) const {
  const std::string where = location_of(name).describe();
  std::string text = "option '" + std::string(name) + "': " + message;
  return invalid_argument(where.empty() ? text : where + ": " + text);
}

}  // namespace sluice
