#pragma once
/// The connection settings every platform connector node shares (api-contract.md, "Common rules"
/// and "Token endpoint"), declared once so that all connectors spell, default and check them the
/// same way, and the one place that turns them into a TokenCache + RetryingClient for a run.
///
/// Options (see platform_connection_options()):
///   base_url        required; COGNIGY_BASE_URL, an absolute http(s) URL without a trailing '/'
///   token_url       ""  = <base_url>/oauth/token
///   client_id       required
///   client_secret   required, secret (never printed)
///   scopes          string list; each node type gives its default
///   timeout         120s: limit on one API call; a streamed transfer fails when nothing moves
///                   for this long instead (so a large download may take as long as it needs)
///   connect_timeout 10s
///   max_attempts    5: attempts per call, the first included (retry policy of http/retry_policy)
///   retry_delay     500ms: backoff ceiling of the first retry (full jitter, doubling, at most
///                   30 s); a server's Retry-After wins
///   ca_file         optional PEM bundle to trust instead of the system's
///
/// Secrets: the client secret is registered with the SecretRedactor at connect(); nothing built
/// here puts it, or a token, into a message or a log line.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sluice/node.hpp"
#include "sluice/options.hpp"
#include "sluice/status.hpp"
#include "support/http/retrying_client.hpp"
#include "support/http/token_cache.hpp"

namespace sluice::nodes {

struct PlatformConnectionOptions {
  std::string base_url;   ///< without a trailing '/'
  std::string token_url;  ///< resolved: never empty after read_platform_connection()
  std::string client_id;
  std::string client_secret;
  std::vector<std::string> scopes;
  std::chrono::milliseconds timeout{120'000};
  std::chrono::milliseconds connect_timeout{10'000};
  int max_attempts = 5;
  std::chrono::milliseconds retry_delay{500};
  std::string ca_file;  ///< "" = the system's CA certificates
};

/// The shared options, to append to a connector's own; `default_scopes` is the YAML default of
/// `scopes`, e.g. "[bot:export:read, bot:import:write]".
std::vector<OptionSpec> platform_connection_options(const std::string& default_scopes);

/// Reads and checks the shared options (URLs parse, ids are not empty, limits are sane). No I/O.
/// Errors name the option and its place in the file, never a secret value.
Result<PlatformConnectionOptions> read_platform_connection(const NodeOptions& options);

/// A node's live connection to the platform: the token cache and the client that uses it.
struct PlatformConnection {
  std::shared_ptr<http::TokenCache> tokens;
  std::shared_ptr<http::RetryingClient> client;
  std::string base_url;
  std::string client_id;

  /// `base_url` + `path` (path starts with '/').
  std::string url(const std::string& path) const { return base_url + path; }
  /// `text` with every known secret (client secret, tokens) removed, for messages built from
  /// server answers.
  std::string redact(const std::string& text) const { return client->redactor()->redact(text); }
  /// The error for a 403 answer to `call` ("POST /api/v2/bots/b1/imports"): for
  /// insufficient_scope it names the scope the token lacks and how to get it, e.g. "... was
  /// refused (403 insufficient_scope): the access token lacks scope 'bot:import:write'; grant it
  /// to client 'c1' and list it in `scopes`". Code invalid_argument: a configuration problem.
  Status forbidden(const http::HttpResponse& response, const std::string& call) const;
};

/// Builds the connection for one run (no network traffic yet: the token is fetched on the first
/// call). Calls end as `cancelled` once `context.cancelled()` or `stop()` (may be empty) says
/// true; every HTTP exchange (token requests included) is logged at LogLevel::verbose. Fails
/// only when ca_file cannot be read. `context` must outlive the connection's use.
Result<PlatformConnection> connect_platform(const PlatformConnectionOptions& options,
                                            RunContext& context, std::function<bool()> stop = {});

}  // namespace sluice::nodes
