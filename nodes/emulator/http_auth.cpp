#include "http_auth.hpp"

#include <cstdint>

#include "url_form.hpp"

namespace sluice::emulator {

namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

/// The credentials after `scheme` and at least one space; nullopt for another scheme.
std::optional<std::string_view> auth_parameter(std::string_view header, std::string_view scheme) {
  header = trim_spaces(header);
  if (!has_auth_scheme(header, scheme)) return std::nullopt;
  return trim_spaces(header.substr(scheme.size()));
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (const char c : text) {
    const int value = base64_value(c);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out += static_cast<char>((bits >> bit_count) & 0xFF);
    }
  }
  return out;
}

bool has_auth_scheme(std::string_view header, std::string_view scheme) {
  header = trim_spaces(header);
  if (header.size() <= scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (ascii_lower(header[i]) != ascii_lower(scheme[i])) return false;
  }
  return header[scheme.size()] == ' ' || header[scheme.size()] == '\t';
}

std::optional<BasicCredentials> parse_basic_authorization(std::string_view header) {
  const auto parameter = auth_parameter(header, "Basic");
  if (!parameter) return std::nullopt;
  const auto decoded = base64_decode(*parameter);
  if (!decoded) return std::nullopt;
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  BasicCredentials credentials;
  credentials.raw_id = decoded->substr(0, colon);
  credentials.raw_secret = decoded->substr(colon + 1);
  auto id = form_decode(credentials.raw_id);
  auto secret = form_decode(credentials.raw_secret);
  credentials.id = id ? std::move(*id) : credentials.raw_id;
  credentials.secret = secret ? std::move(*secret) : credentials.raw_secret;
  return credentials;
}

std::optional<std::string> parse_bearer_authorization(std::string_view header) {
  const auto parameter = auth_parameter(header, "Bearer");
  if (!parameter || parameter->empty()) return std::nullopt;
  return std::string(*parameter);
}

}  // namespace sluice::emulator
