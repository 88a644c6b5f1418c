#include "variables.hpp"

#include <cstdlib>
#include <optional>

namespace sluice::detail {

namespace {

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

bool is_valid_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  for (char c : name) {
    if (!is_name_start(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::optional<std::string> lookup(const std::string& name, const LoadOptions& options) {
  if (auto it = options.variables.find(name); it != options.variables.end()) return it->second;
  if (options.use_environment) {
    if (const char* value = std::getenv(name.c_str())) return std::string(value);
  }
  return std::nullopt;
}

/// Index of the '}' that closes the "${" whose body starts at `begin`, or npos. Nested "${...}"
/// (in defaults) are skipped whole; "$$" is skipped so it never opens anything.
std::size_t closing_brace(std::string_view text, std::size_t begin) {
  int depth = 1;
  std::size_t i = begin;
  while (i < text.size()) {
    if (text[i] == '$' && i + 1 < text.size() && (text[i + 1] == '$' || text[i + 1] == '{')) {
      if (text[i + 1] == '{') ++depth;
      i += 2;
      continue;
    }
    if (text[i] == '}' && --depth == 0) return i;
    ++i;
  }
  return std::string_view::npos;
}

void report(std::vector<Diagnostic>& problems, std::size_t first_of_scalar,
            const SourceLocation& location, std::string message) {
  // "${A}/${A}" is one mistake, not two.
  for (std::size_t i = first_of_scalar; i < problems.size(); ++i) {
    if (problems[i].message == message) return;
  }
  problems.push_back({location, std::move(message)});
}

std::string expand(std::string_view text, const SourceLocation& location,
                   const LoadOptions& options, std::vector<Diagnostic>& problems,
                   std::size_t first_of_scalar) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '$' || i + 1 >= text.size() || (text[i + 1] != '$' && text[i + 1] != '{')) {
      out += c;
      ++i;
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    const std::size_t close = closing_brace(text, i + 2);
    if (close == std::string_view::npos) {
      // The text is not quoted back: it may be a secret.
      report(problems, first_of_scalar, location,
             "unterminated '${' (no closing '}'); write '$$' for a literal '$'");
      out.append(text.substr(i));
      break;
    }
    const std::string_view body = text.substr(i + 2, close - i - 2);
    i = close + 1;

    const std::size_t split = body.find(":-");
    const std::string name(body.substr(0, split));
    if (!is_valid_name(name)) {
      report(problems, first_of_scalar, location,
             name.empty() ? std::string("empty variable name in '${...}'")
                          : "invalid variable name '" + name +
                                "'; names use letters, digits and '_' and do not start with a "
                                "digit");
      continue;
    }
    const std::optional<std::string> value = lookup(name, options);
    if (split != std::string_view::npos && (!value || value->empty())) {
      out += expand(body.substr(split + 2), location, options, problems, first_of_scalar);
    } else if (value) {
      out += *value;
    } else {
      report(problems, first_of_scalar, location,
             "variable '" + name + "' is not set; set it " +
                 (options.use_environment ? "in the environment or " : "") + "with --set " + name +
                 "=...");
    }
  }
  return out;
}

}  // namespace

std::string expand_variables(std::string_view text, const SourceLocation& location,
                             const LoadOptions& options, std::vector<Diagnostic>& problems) {
  return expand(text, location, options, problems, problems.size());
}

void expand_value(Value& value, const LoadOptions& options, std::vector<Diagnostic>& problems) {
  switch (value.kind()) {
    case Value::Kind::null: return;
    case Value::Kind::scalar: {
      Value expanded = Value::scalar(
          expand_variables(value.text(), value.location(), options, problems), value.location());
      if (value.secret()) expanded.mark_secret();
      value = std::move(expanded);
      return;
    }
    case Value::Kind::list:
      for (auto& item : value.items()) expand_value(item, options, problems);
      return;
    case Value::Kind::map:
      for (auto& entry : value.entries()) expand_value(entry.second, options, problems);
      return;
  }
}

}  // namespace sluice::detail
