#include "support/http/http_types.hpp"

#include "support/utf8_prefix.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>

namespace sluice::nodes::http {

namespace {

/// Error bodies larger than this are not parsed: a JSON error is a few hundred bytes.
constexpr std::size_t kMaxErrorBodyParsed = 64 * 1024;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string string_field(simdjson::dom::object& object, std::string_view key) {
  std::string_view value;
  if (object[key].get(value) != simdjson::SUCCESS) return {};
  return printable_server_text(value);
}

std::string with_detail(const char* what, const std::string& detail) {
  return detail.empty() ? std::string(what) : std::string(what) + " (" + detail + ")";
}

}  // namespace

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

void set_header(Headers& headers, std::string_view name, std::string value) {
  remove_header(headers, name);
  headers.emplace_back(std::string(name), std::move(value));
}

void remove_header(Headers& headers, std::string_view name) {
  std::erase_if(headers, [&](const Header& header) { return iequals(header.first, name); });
}

const char* failure_name(Failure failure) noexcept {
  switch (failure) {
    case Failure::none: return "none";
    case Failure::connect: return "connect";
    case Failure::timeout: return "timeout";
    case Failure::dropped: return "dropped";
    case Failure::tls: return "tls";
    case Failure::http_status: return "http_status";
    case Failure::too_large: return "too_large";
    case Failure::aborted: return "aborted";
    case Failure::cancelled: return "cancelled";
    case Failure::invalid_request: return "invalid_request";
    case Failure::other: return "other";
  }
  return "?";
}

std::string printable_server_text(std::string_view text, std::size_t max_bytes) {
  const std::string_view kept = utf8_prefix(text, max_bytes);
  std::string out;
  for (char c : kept) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte == 0x7F ? ' ' : c);
  }
  if (kept.size() < text.size()) out += "...";
  return out;
}

std::string ServerError::summary() const {
  if (!code.empty() && !message.empty()) return code + ": " + message;
  return code + message;
}

ServerError parse_server_error(std::string_view body) {
  ServerError error;
  if (body.empty() || body.size() > kMaxErrorBodyParsed) return error;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  // realloc_if_needed: the body has no simdjson padding, so let the parser copy it.
  if (parser.parse(body.data(), body.size(), true).get(object) != simdjson::SUCCESS) return error;
  error.code = string_field(object, "error");
  error.message = string_field(object, "message");
  if (error.message.empty()) error.message = string_field(object, "error_description");
  return error;
}

bool is_idempotent_method(std::string_view method) {
  static constexpr std::array<std::string_view, 6> kIdempotent = {"GET", "HEAD",   "OPTIONS",
                                                                  "PUT", "DELETE", "TRACE"};
  return std::any_of(kIdempotent.begin(), kIdempotent.end(),
                     [&](std::string_view known) { return iequals(known, method); });
}

bool is_replay_safe(const HttpRequest& request) {
  if (request.idempotent.value_or(is_idempotent_method(request.method))) return true;
  return find_header(request.headers, "Idempotency-Key").has_value();
}

std::string describe_outcome(const HttpOutcome& outcome) {
  switch (outcome.failure) {
    case Failure::none: return "status " + std::to_string(outcome.response.status);
    case Failure::http_status: {
      std::string text = "status " + std::to_string(outcome.response.status);
      const std::string error = parse_server_error(outcome.response.body).summary();
      if (!error.empty()) text += " (" + error + ")";
      return text;
    }
    case Failure::connect: return with_detail("could not connect", outcome.detail);
    case Failure::timeout: return with_detail("timed out", outcome.detail);
    case Failure::dropped: return with_detail("connection dropped", outcome.detail);
    case Failure::tls: return with_detail("TLS failure", outcome.detail);
    case Failure::too_large: return with_detail("response too large", outcome.detail);
    case Failure::aborted:
      return outcome.abort_status.ok() ? with_detail("aborted by the caller", outcome.detail)
                                       : outcome.abort_status.message();
    case Failure::cancelled: return "cancelled";
    case Failure::invalid_request:
    case Failure::other: return outcome.detail.empty() ? "failed" : outcome.detail;
  }
  return "failed";
}

StatusCode status_code_for(const HttpOutcome& outcome) {
  switch (outcome.failure) {
    case Failure::none: return StatusCode::ok;
    case Failure::http_status:
      return outcome.response.status == 404 ? StatusCode::not_found : StatusCode::network_error;
    case Failure::cancelled: return StatusCode::cancelled;
    case Failure::aborted:
      return outcome.abort_status.ok() ? StatusCode::cancelled : outcome.abort_status.code();
    case Failure::invalid_request: return StatusCode::invalid_argument;
    default: return StatusCode::network_error;
  }
}

std::string format_call_log(std::string_view method, std::string_view path,
                            const HttpOutcome& outcome, int attempt, int max_attempts) {
  std::string line(method);
  line += ' ';
  line += path;
  line += " -> ";
  if (outcome.failure == Failure::none || outcome.failure == Failure::http_status) {
    line += std::to_string(outcome.response.status);
  } else {
    line += failure_name(outcome.failure);
  }
  line += " in " + std::to_string(outcome.latency.count()) + " ms (attempt " +
          std::to_string(attempt) + "/" + std::to_string(max_attempts) + ")";
  return line;
}

}  // namespace sluice::nodes::http
