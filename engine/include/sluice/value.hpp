#pragma once
/// Value: a configuration tree (what a YAML pipeline file holds after variable expansion), with the
/// file, line and column of every element so errors can point at it. No YAML types leak out: the
/// plan is plain data that embedders can also build in code.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

/// Where something was written: "pipelines/x.yaml:12:5". Line and column are 1-based; 0 = unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  /// "file:line:column" (parts that are unknown are left out).
  std::string describe() const;
};

/// One error or warning found while loading or validating, anchored at a location.
struct Diagnostic {
  SourceLocation location;
  std::string message;

  /// "file:line:column: message".
  std::string describe() const;
};

class Value {
 public:
  enum class Kind : std::uint8_t { null, scalar, list, map };

  Value() = default;
  static Value scalar(std::string text, SourceLocation location = {});
  static Value list(std::vector<Value> items, SourceLocation location = {});
  static Value map(std::vector<std::pair<std::string, Value>> entries, SourceLocation location = {});

  Kind kind() const noexcept { return kind_; }
  bool is_null() const noexcept { return kind_ == Kind::null; }
  bool is_scalar() const noexcept { return kind_ == Kind::scalar; }
  bool is_list() const noexcept { return kind_ == Kind::list; }
  bool is_map() const noexcept { return kind_ == Kind::map; }

  /// Scalar text ("" for other kinds).
  const std::string& text() const noexcept { return text_; }
  const std::vector<Value>& items() const noexcept { return items_; }
  std::vector<Value>& items() noexcept { return items_; }
  /// Map entries in file order.
  const std::vector<std::pair<std::string, Value>>& entries() const noexcept { return entries_; }
  std::vector<std::pair<std::string, Value>>& entries() noexcept { return entries_; }
  /// Map entry by key, or nullptr.
  const Value* find(std::string_view key) const;
  /// Sets or replaces a map entry (turns a null value into a map).
  void set(std::string key, Value value);

  const SourceLocation& location() const noexcept { return location_; }
  void set_location(SourceLocation location) { location_ = std::move(location); }

  /// Secret values (client secrets, tokens, keys) are never shown: display() gives "***".
  bool secret() const noexcept { return secret_; }
  /// Marks this value and everything below it secret.
  void mark_secret();

  /// Text for messages: the scalar, "[list]", "{map}" or "***" when secret.
  std::string display() const;

 private:
  Kind kind_ = Kind::null;
  bool secret_ = false;
  std::string text_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> entries_;
  SourceLocation location_;
};

}  // namespace sluice
