#include "url_form.hpp"

namespace sluice::emulator {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> form_decode(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      const bool complete = i + 2 < encoded.size();
      const int high = complete ? hex_value(encoded[i + 1]) : -1;
      const int low = complete ? hex_value(encoded[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return invalid_argument("malformed percent-escape at byte " + std::to_string(i + 1) +
                                " of a form field");
      }
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Result<FormFields> parse_form(std::string_view body) {
  FormFields fields;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view piece = body.substr(start, end - start);
    if (!piece.empty()) {
      const std::size_t eq = piece.find('=');
      auto name = form_decode(piece.substr(0, eq));
      if (!name) return name.status();
      auto value =
          form_decode(eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1));
      if (!value) return value.status();
      fields.emplace_back(std::move(*name), std::move(*value));
    }
    start = end + 1;
  }
  return fields;
}

}  // namespace sluice::emulator
