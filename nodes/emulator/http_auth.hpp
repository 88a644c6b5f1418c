#pragma once
/// Reading the Authorization header: HTTP Basic client credentials at the token endpoint
/// (RFC 7617 with the form-encoding of RFC 6749 §2.3.1) and Bearer access tokens (RFC 6750) on
/// API calls. Scheme names are case-insensitive; values are never logged by the emulator.

#include <optional>
#include <string>
#include <string_view>

namespace sluice::emulator {

/// Client credentials from `Authorization: Basic ...`.
struct BasicCredentials {
  std::string id;          ///< user-id, form-decoded as RFC 6749 §2.3.1 asks
  std::string secret;      ///< password, form-decoded
  std::string raw_id;      ///< user-id as sent (many clients skip the form-encoding)
  std::string raw_secret;  ///< password as sent
};

/// Standard base64 (RFC 4648 §4) with optional padding; nullopt on any other character or a
/// length that cannot be base64.
std::optional<std::string> base64_decode(std::string_view text);

/// True when `header` uses the `scheme` (e.g. "Basic"), compared case-insensitively.
bool has_auth_scheme(std::string_view header, std::string_view scheme);

/// The credentials of a Basic header; nullopt when the scheme differs or the value is malformed
/// (bad base64, no ':'). When the form-decoding of a part fails, the decoded field holds the raw
/// text.
std::optional<BasicCredentials> parse_basic_authorization(std::string_view header);

/// The token of a `Bearer <token>` header (surrounding spaces removed); nullopt for another
/// scheme or an empty token.
std::optional<std::string> parse_bearer_authorization(std::string_view header);

}  // namespace sluice::emulator
