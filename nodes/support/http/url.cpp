#include "support/http/url.hpp"

namespace sluice::nodes::http {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

// ASCII only on purpose: <cctype> classes follow the process locale.
bool is_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_hex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_unreserved(unsigned char c) {
  return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

void append_percent(std::string& out, unsigned char c) {
  out.push_back('%');
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0x0F]);
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

Status bad_url(const std::string& why) { return invalid_argument("invalid URL: " + why); }

bool is_host_char(unsigned char c) { return is_alnum(c) || c == '-' || c == '.' || c == '_'; }

}  // namespace

std::string Url::origin() const {
  std::string out = scheme + "://" + host;
  if (port != default_port(scheme)) out += ":" + std::to_string(port);
  return out;
}

Result<Url> parse_url(std::string_view text) {
  Url url;
  const auto colon = text.find("://");
  if (colon == std::string_view::npos) return bad_url("not absolute (no scheme://)");
  url.scheme = to_lower(text.substr(0, colon));
  if (url.scheme != "http" && url.scheme != "https") {
    return bad_url("scheme must be http or https");
  }
  std::string_view rest = text.substr(colon + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);

  const auto authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return bad_url("credentials in URLs are not supported");
  }

  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad_url("unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url("junk after the IPv6 address");
      port = after.substr(1);
    }
    for (char c : host.substr(1, host.size() - 2)) {
      if (!is_hex(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return bad_url("bad IPv6 address");
      }
    }
  } else {
    const auto port_colon = authority.rfind(':');
    if (port_colon != std::string_view::npos) {
      host = authority.substr(0, port_colon);
      port = authority.substr(port_colon + 1);
    }
    for (char c : host) {
      if (!is_host_char(static_cast<unsigned char>(c))) return bad_url("bad character in host");
    }
  }
  if (host.empty() || host == "[]") return bad_url("no host");
  url.host = to_lower(host);

  url.port = default_port(url.scheme);
  if (authority.ends_with(':')) return bad_url("empty port");
  if (!port.empty()) {
    if (port.size() > 5) return bad_url("port out of range");
    int value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return bad_url("port is not a number");
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) return bad_url("port out of range");
    url.port = value;
  }

  const auto question = rest.find('?');
  url.path = std::string(rest.substr(0, question));
  if (question != std::string_view::npos) url.query = std::string(rest.substr(question + 1));
  if (url.path.empty()) url.path = "/";
  for (char c : url.path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7F) return bad_url("space or control character in path");
  }
  return url;
}

bool same_origin(std::string_view a, std::string_view b) {
  const auto left = parse_url(a);
  const auto right = parse_url(b);
  return left.ok() && right.ok() && left->scheme == right->scheme && left->host == right->host &&
         left->port == right->port;
}

std::string form_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_unreserved(byte)) {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      append_percent(out, byte);
    }
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out.push_back('&');
    out += form_encode(name);
    out.push_back('=');
    out += form_encode(value);
  }
  return out;
}

std::string encode_path_segment(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (char c : segment) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_unreserved(byte)) {
      out.push_back(c);
    } else {
      append_percent(out, byte);
    }
  }
  return out;
}

}  // namespace sluice::nodes::http
