#include "sluice/value.hpp"

#include <stdexcept>

namespace sluice {

std::string SourceLocation::describe() const {
  std::string out = file;
  if (line > 0) {
    if (!out.empty()) out += ':';
    out += std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  return out;
}

std::string Diagnostic::describe() const {
  const std::string where = location.describe();
  return where.empty() ? message : where + ": " + message;
}

Value Value::scalar(std::string text, SourceLocation location) {
  Value value;
  value.kind_ = Kind::scalar;
  value.text_ = std::move(text);
  value.location_ = std::move(location);
  return value;
}

Value Value::list(std::vector<Value> items, SourceLocation location) {
  Value value;
  value.kind_ = Kind::list;
  value.items_ = std::move(items);
  value.location_ = std::move(location);
  return value;
}

Value Value::map(std::vector<std::pair<std::string, Value>> entries, SourceLocation location) {
  Value value;
  value.kind_ = Kind::map;
  value.entries_ = std::move(entries);
  value.location_ = std::move(location);
  return value;
}

const Value* Value::find(std::string_view key) const {
  for (const auto& [name, value] : entries_) {
    if (name == key) return &value;
  }
  return nullptr;
}

void Value::set(std::string key, Value value) {
  if (kind_ == Kind::null) {
    kind_ = Kind::map;
  } else if (kind_ != Kind::map) {
    // Silently dropping a scalar's text or a list's items would hide a caller's mistake.
    throw std::logic_error("Value::set called on a " +
                           std::string(kind_ == Kind::scalar ? "scalar" : "list"));
  }
  // A child of a secret map is secret too, so the flag survives later edits.
  if (secret_) value.mark_secret();
  for (auto& [name, existing] : entries_) {
    if (name == key) {
      existing = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

void Value::mark_secret() {
  secret_ = true;
  for (auto& item : items_) item.mark_secret();
  for (auto& entry : entries_) entry.second.mark_secret();
}

std::string Value::display() const {
  if (secret_) return "***";
  switch (kind_) {
    case Kind::null: return "null";
    case Kind::scalar: return text_;
    case Kind::list: return "[list]";
    case Kind::map: return "{map}";
  }
  return "?";
}

}  // namespace sluice
