#pragma once
// Writing JSON text by hand: the report and DOT output only need string escaping, which is not
// worth a JSON library dependency in the engine core.

#include <cstdio>
#include <string>
#include <string_view>

namespace sluice::detail {

/// Appends `text` as a JSON string literal (quotes included), escaping control characters.
inline void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
          out += buffer;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace sluice::detail
