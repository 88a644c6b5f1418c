// Fuzz harness for the URL helpers that decide where the bearer token may go.
//
// For any text that parse_url accepts, libcurl (which makes the actual connection) must go where
// the text's origin() takes it: a host that sluice and curl read differently could send the
// token to another server than same_origin() approved. Also:
// - the parsed parts are well formed (lowercase http/https scheme and host, port 1-65535, a path
//   that starts with '/') and the host is what the text has right after "://";
// - origin() + path + query parses back to the same URL, with the same origin;
// - an error never repeats the text (a URL may carry a signature);
// - encode_path_segment and form_encode give only unreserved bytes and %XX (and '+' for form
//   spaces) and decode back to their input.
#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "support/fuzz_support.hpp"
#include "support/http/url.hpp"

namespace {

using sluice::fuzz::escaped;
namespace http = sluice::nodes::http;

struct CurlOrigin {
  std::string scheme;
  std::string host;
  long port = 0;
};

std::string lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

std::optional<CurlOrigin> curl_origin(const std::string& text) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), &curl_url_cleanup);
  if (curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) return std::nullopt;
  auto part = [&](CURLUPart which, unsigned flags) -> std::optional<std::string> {
    char* value = nullptr;
    if (curl_url_get(url.get(), which, &value, flags) != CURLUE_OK) return std::nullopt;
    std::string out(value);
    curl_free(value);
    return out;
  };
  const auto scheme = part(CURLUPART_SCHEME, 0);
  const auto host = part(CURLUPART_HOST, 0);
  const auto port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!scheme || !host || !port) return std::nullopt;
  return CurlOrigin{lower(*scheme), lower(*host), std::stol(*port)};
}

bool is_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lowercase hex is not what the encoders write
}

// Decodes `encoded`, checking that it holds only unreserved bytes, %XX and (for forms) '+'.
std::string decode(std::string_view encoded, bool form) {
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '%') {
      SLUICE_FUZZ_CHECK(i + 2 < encoded.size(), "a cut %XX in \"" + escaped(encoded) + "\"");
      const int high = hex_value(encoded[i + 1]);
      const int low = hex_value(encoded[i + 2]);
      SLUICE_FUZZ_CHECK(high >= 0 && low >= 0, "a bad %XX in \"" + escaped(encoded) + "\"");
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (form && c == '+') {
      out += ' ';
    } else {
      SLUICE_FUZZ_CHECK(is_unreserved(c), "a reserved byte in \"" + escaped(encoded) + "\"");
      out += c;
    }
  }
  return out;
}

void check_url(std::string_view text) {
  const auto parsed = http::parse_url(text);
  if (!parsed.ok()) {
    // What follows "://" (host, path, query) must not show; 8 bytes of it cannot be part of a
    // fixed message.
    if (const auto scheme_end = text.find("://"); scheme_end != std::string_view::npos) {
      const std::string_view after = text.substr(scheme_end);
      SLUICE_FUZZ_CHECK(after.size() < 8 || parsed.status().message().find(after) == std::string::npos,
                        "the error repeats the URL: " + parsed.status().message());
    }
    return;
  }
  const http::Url& url = *parsed;
  const std::string where = "\"" + escaped(text) + "\"";
  SLUICE_FUZZ_CHECK(url.scheme == "http" || url.scheme == "https", where + " scheme " + url.scheme);
  SLUICE_FUZZ_CHECK(!url.host.empty() && lower(url.host) == url.host, where + " host " + url.host);
  SLUICE_FUZZ_CHECK(url.port >= 1 && url.port <= 65535, where + " port");
  SLUICE_FUZZ_CHECK(url.path.starts_with('/'), where + " path " + escaped(url.path));
  const auto authority = text.find("://") + 3;
  SLUICE_FUZZ_CHECK(lower(std::string(text.substr(authority, url.host.size()))) == url.host,
                    where + " host " + url.host + " is not what follows ://");
  const std::size_t after_host = authority + url.host.size();
  SLUICE_FUZZ_CHECK(after_host == text.size() ||
                        std::string_view(":/?#").find(text[after_host]) != std::string_view::npos,
                    where + " host " + url.host + " is followed by more host");

  const std::string again_text = url.origin() + url.path + (url.query.empty() ? "" : "?" + url.query);
  const auto again = http::parse_url(again_text);
  SLUICE_FUZZ_CHECK(again.ok(), where + " rebuilt as \"" + escaped(again_text) + "\" does not parse");
  SLUICE_FUZZ_CHECK(again->origin() == url.origin() && again->path == url.path &&
                        again->query == url.query,
                    where + " rebuilt differently");
  SLUICE_FUZZ_CHECK(http::same_origin(text, again_text), where + " not its own origin");

  // curl may spell a host its own way ("3" is 0.0.0.3), so it is compared with itself: the text
  // must take curl where sluice's origin for it does. Then texts that same_origin() pairs up
  // reach one server.
  const auto curl = curl_origin(std::string(text));
  if (!curl) return;  // curl refuses it: nothing is sent there
  const auto canonical = curl_origin(url.origin() + "/");
  const auto describe = [](const std::optional<CurlOrigin>& o) {
    return o ? o->scheme + "://" + escaped(o->host) + ":" + std::to_string(o->port)
             : std::string("refused");
  };
  SLUICE_FUZZ_CHECK(canonical && curl->scheme == canonical->scheme &&
                        curl->host == canonical->host && curl->port == canonical->port,
                    where + " takes curl to " + describe(curl) + ", its origin " + url.origin() +
                        " to " + describe(canonical));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sluice::fuzz::FuzzInput input(data, size);
  const std::string_view text = input.rest();
  check_url(text);
  // The same text as a path segment and as a form value.
  SLUICE_FUZZ_CHECK(decode(http::encode_path_segment(text), false) == text, "path segment round trip");
  SLUICE_FUZZ_CHECK(decode(http::form_encode(text), true) == text, "form round trip");
  return 0;
}
