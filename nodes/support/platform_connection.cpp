#include "support/platform_connection.hpp"

#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "support/http/url.hpp"

namespace sluice::nodes {

namespace {

std::chrono::milliseconds to_millis(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

/// Checks an absolute http(s) URL option; the URL is not repeated (a token URL may be signed).
Status check_url(const NodeOptions& options, std::string_view name, const std::string& text) {
  const auto url = http::parse_url(text);
  if (!url.ok()) return options.error(name, url.status().message());
  if (!url->query.empty()) return options.error(name, "must not have a query string (?...)");
  return Status::success();
}

/// The `required` member of a 403 insufficient_scope body, if any (cut to a sane length).
std::string required_scope(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  std::string_view value;
  if (parser.parse(body.data(), body.size(), true).get(object) != simdjson::SUCCESS ||
      object["required"].get(value) != simdjson::SUCCESS) {
    return {};
  }
  return std::string(value.substr(0, 100));
}

}  // namespace

Status PlatformConnection::forbidden(const http::HttpResponse& response,
                                     const std::string& call) const {
  const http::ServerError server = http::parse_server_error(response.body);
  const std::string scope = required_scope(response.body);
  std::string message = call + " was refused (403 " +
                        (server.code.empty() ? std::string("forbidden") : server.code) + ")";
  if (!scope.empty()) {
    message += ": the access token lacks scope '" + scope + "'; grant it to client '" + client_id +
               "' and list it in `scopes`";
  } else if (!server.message.empty()) {
    message += ": " + server.message;
  }
  return Status(StatusCode::invalid_argument, redact(message));
}

std::vector<OptionSpec> platform_connection_options(const std::string& default_scopes) {
  OptionSpec secret =
      required_option("client_secret", OptionType::string,
                      "OAuth2 client secret (COGNIGY_CLIENT_SECRET); never printed");
  secret.secret = true;
  return {
      required_option("base_url", OptionType::string,
                      "platform API base URL (COGNIGY_BASE_URL), e.g. https://api.example.com"),
      option_with_default(
          "token_url", OptionType::string, "",
          "OAuth2 token endpoint (COGNIGY_TOKEN_URL); empty = <base_url>/oauth/token"),
      required_option("client_id", OptionType::string, "OAuth2 client id (COGNIGY_CLIENT_ID)"),
      std::move(secret),
      option_with_default("scopes", OptionType::string_list, default_scopes,
                          "scopes to ask for; empty = every scope the client may have"),
      option_with_default("timeout", OptionType::duration, "120s",
                          "limit on one API call; streamed transfers fail when nothing moves for "
                          "this long"),
      option_with_default("connect_timeout", OptionType::duration, "10s",
                          "limit on opening a connection"),
      option_with_default("max_attempts", OptionType::integer, "5",
                          "attempts per call, the first included (429, 5xx, dropped connections)"),
      option_with_default("retry_delay", OptionType::duration, "500ms",
                          "backoff ceiling of the first retry (full jitter, doubling up to 30s); "
                          "a server's Retry-After wins"),
      optional_option("ca_file", OptionType::string,
                      "PEM file of CA certificates to trust instead of the system's"),
  };
}

Result<PlatformConnectionOptions> read_platform_connection(const NodeOptions& options) {
  PlatformConnectionOptions parsed;
  parsed.base_url = options.get_string("base_url");
  while (!parsed.base_url.empty() && parsed.base_url.back() == '/') parsed.base_url.pop_back();
  if (parsed.base_url.empty()) return options.error("base_url", "must not be empty");
  if (Status status = check_url(options, "base_url", parsed.base_url); !status.ok()) return status;

  parsed.token_url = options.get_string("token_url");
  if (parsed.token_url.empty()) {
    parsed.token_url = parsed.base_url + "/oauth/token";
  } else if (Status status = check_url(options, "token_url", parsed.token_url); !status.ok()) {
    return status;
  }

  parsed.client_id = options.get_string("client_id");
  if (parsed.client_id.empty()) return options.error("client_id", "must not be empty");
  parsed.client_secret = options.get_string("client_secret");
  if (parsed.client_secret.empty()) return options.error("client_secret", "must not be empty");

  for (const auto& scope : options.get_string_list("scopes")) {
    // A scope list item with spaces would silently ask for several scopes.
    if (scope.empty() || scope.find_first_of(" \t\r\n") != std::string::npos) {
      return options.error("scopes", "'" + scope + "' is not a scope: list one scope per item");
    }
    parsed.scopes.push_back(scope);
  }

  const double timeout = options.get_duration_seconds("timeout");
  if (timeout < 0.001) return options.error("timeout", "must be at least 1ms");
  parsed.timeout = to_millis(timeout);
  const double connect_timeout = options.get_duration_seconds("connect_timeout");
  if (connect_timeout < 0.001) return options.error("connect_timeout", "must be at least 1ms");
  parsed.connect_timeout = to_millis(connect_timeout);

  const std::int64_t attempts = options.get_integer("max_attempts");
  if (attempts < 1 || attempts > 100)
    return options.error("max_attempts", "must be between 1 and 100");
  parsed.max_attempts = static_cast<int>(attempts);
  const double retry_delay = options.get_duration_seconds("retry_delay");
  if (retry_delay < 0 || retry_delay > 30) {
    return options.error("retry_delay", "must be between 0s and 30s");
  }
  parsed.retry_delay = to_millis(retry_delay);

  if (options.has("ca_file")) {
    parsed.ca_file = options.get_string("ca_file");
    if (parsed.ca_file.empty()) return options.error("ca_file", "must not be empty when given");
  }
  return parsed;
}

Result<PlatformConnection> connect_platform(const PlatformConnectionOptions& options,
                                            RunContext& context, std::function<bool()> stop) {
  if (!options.ca_file.empty() && ::access(options.ca_file.c_str(), R_OK) != 0) {
    return Status(StatusCode::invalid_argument,
                  "cannot read ca_file " + options.ca_file + ": " + std::strerror(errno));
  }

  http::HttpClientOptions transport;
  transport.connect_timeout = options.connect_timeout;
  transport.request_timeout = options.timeout;
  transport.stream_timeout = std::chrono::milliseconds(0);
  transport.stall_timeout =
      std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(options.timeout));
  transport.ca_file = options.ca_file;
  RunContext* run = &context;
  transport.cancelled = [run, stop = std::move(stop)] {
    return run->cancelled() || (stop && stop());
  };
  auto log = [run](const std::string& line) { run->log(LogLevel::verbose, line); };

  http::RetryOptions retry;
  retry.max_attempts = options.max_attempts;
  retry.base_delay = options.retry_delay;
  const http::RetryPolicy policy(retry);

  http::TokenCacheOptions token_options;
  token_options.token_url = options.token_url;
  token_options.client_id = options.client_id;
  token_options.client_secret = options.client_secret;
  for (const auto& scope : options.scopes) {
    token_options.scope += (token_options.scope.empty() ? "" : " ") + scope;
  }
  token_options.http = transport;
  token_options.log = log;

  PlatformConnection connection;
  connection.base_url = options.base_url;
  connection.client_id = options.client_id;
  auto redactor = std::make_shared<http::SecretRedactor>();
  connection.tokens =
      std::make_shared<http::TokenCache>(std::move(token_options), policy, redactor);

  http::RetryingClientOptions client_options;
  client_options.base_url = options.base_url;
  client_options.http = transport;
  client_options.log = log;
  connection.client = std::make_shared<http::RetryingClient>(std::move(client_options), policy,
                                                             connection.tokens, redactor);
  return connection;
}

}  // namespace sluice::nodes
