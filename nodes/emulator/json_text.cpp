#include "json_text.hpp"

namespace sluice::emulator {

std::string json_quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20 || byte == 0x7F) {
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

void JsonObject::add_key(std::string_view key) {
  if (text_.size() > 1) text_ += ',';
  text_ += json_quote(key);
  text_ += ':';
}

JsonObject& JsonObject::add_string(std::string_view key, std::string_view value) {
  add_key(key);
  text_ += json_quote(value);
  return *this;
}

JsonObject& JsonObject::add_number(std::string_view key, std::int64_t value) {
  add_key(key);
  text_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::add_bool(std::string_view key, bool value) {
  add_key(key);
  text_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::add_raw(std::string_view key, std::string_view json) {
  add_key(key);
  text_ += json;
  return *this;
}

std::string json_error(std::string_view code, std::string_view message) {
  return JsonObject().add_string("error", code).add_string("message", message).str();
}

}  // namespace sluice::emulator
