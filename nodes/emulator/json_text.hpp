#pragma once
/// Writing the emulator's small JSON response bodies: string escaping and a flat object builder.
/// (Request bodies are parsed with simdjson; nothing here reads JSON.)

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::emulator {

/// `text` as a JSON string literal, quotes included. Control characters, the quote and the
/// backslash are escaped; other bytes (UTF-8) are copied as they are.
std::string json_quote(std::string_view text);

/// Builds one JSON object with members in insertion order, e.g.
/// `JsonObject().add_string("id", id).add_number("rows", n).str()` → {"id":"..","rows":12}.
/// Keys are not checked for duplicates.
class JsonObject {
 public:
  JsonObject& add_string(std::string_view key, std::string_view value);
  JsonObject& add_number(std::string_view key, std::int64_t value);
  JsonObject& add_bool(std::string_view key, bool value);
  /// `json` must already be valid JSON (an object, array, number...).
  JsonObject& add_raw(std::string_view key, std::string_view json);

  std::string str() const { return text_ + "}"; }

 private:
  void add_key(std::string_view key);

  std::string text_ = "{";
};

/// The contract's error body: {"error":"<code>","message":"<message>"}.
std::string json_error(std::string_view code, std::string_view message);

}  // namespace sluice::emulator
