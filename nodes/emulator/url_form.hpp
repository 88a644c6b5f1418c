#pragma once
/// Reading application/x-www-form-urlencoded text (the token endpoint's body, RFC 6749 §4.4 and
/// the WHATWG URL standard): name=value pairs joined by '&', '+' for a space, %XX for any byte.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/status.hpp"

namespace sluice::emulator {

using FormFields = std::vector<std::pair<std::string, std::string>>;

/// Decodes one form-encoded name or value: '+' becomes a space and %XX (hex, either case) the
/// byte XX. Error (invalid_argument): a '%' not followed by two hex digits.
Result<std::string> form_decode(std::string_view encoded);

/// Splits a form body into decoded (name, value) pairs, in order. Empty pieces ("a=1&&b=2", a
/// trailing '&') are skipped; a piece without '=' is a name with an empty value. Names may repeat;
/// the caller decides whether that is allowed.
Result<FormFields> parse_form(std::string_view body);

}  // namespace sluice::emulator
