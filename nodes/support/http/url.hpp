#pragma once
/// Absolute http(s) URLs, as far as the HTTP layer needs them: the origin (who may receive the
/// bearer token), the path (what logs and errors may show) and form / path percent-encoding.
/// Pure functions and a value type; safe from any thread.
///
/// Deliberately not a general URL library: only http and https, no user info (credentials in a
/// URL would end up in logs), no normalisation of the path. Hosts and schemes are compared in
/// lowercase and default ports are dropped, so "HTTP://Host:80/x" and "http://host/y" share an
/// origin.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/status.hpp"

namespace sluice::nodes::http {

struct Url {
  std::string scheme;  ///< "http" or "https", lowercase
  std::string host;    ///< lowercase; an IPv6 address keeps its brackets
  int port = 0;        ///< the explicit port, or the scheme's default (80 / 443)
  std::string path;    ///< starts with '/'; "/" when the URL has none
  std::string query;   ///< after '?', without it; empty when absent (fragments are dropped)

  /// "scheme://host" plus ":port" when the port is not the scheme's default.
  std::string origin() const;
  /// The path alone: safe for logs (a signed URL keeps its signature in the query).
  const std::string& path_without_query() const { return path; }
  /// origin() + path: safe for error messages.
  std::string without_query() const { return origin() + path; }
};

/// Parses an absolute http:// or https:// URL. The error never repeats the URL (it may be
/// signed).
Result<Url> parse_url(std::string_view text);

/// True when both parse and have the same scheme, host and port. A URL that does not parse has
/// no origin and matches nothing.
bool same_origin(std::string_view a, std::string_view b);

/// application/x-www-form-urlencoded for one name or value: ASCII letters, digits and "-._~"
/// stay, a space becomes '+', every other byte (UTF-8 included) becomes %XX (uppercase hex).
std::string form_encode(std::string_view text);

/// "name=value&name=value" with both sides form-encoded, in the given order.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

/// Percent-encodes one path segment (an id inside a path): everything but ASCII letters,
/// digits and "-._~" becomes %XX, so '/', '?' and '#' cannot change the URL's shape.
std::string encode_path_segment(std::string_view segment);

}  // namespace sluice::nodes::http
