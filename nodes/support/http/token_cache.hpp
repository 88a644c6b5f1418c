#pragma once
/// OAuth2 client-credentials tokens for the platform API (api-contract.md, "Token endpoint"):
/// fetched on first use, cached, refreshed ahead of expiry, shared by every thread.
///
/// The request: POST <token_url>, Content-Type application/x-www-form-urlencoded, body
/// grant_type=client_credentials&client_id=..&client_secret=..&scope=.. (every value
/// form-encoded; scope left out when empty, which grants every scope the client may have).
/// It is safe to repeat, so 429, 5xx, dropped connections and timeouts follow the retry policy.
///
/// Refresh: a token is used until less than 30 s of its life is left; when expires_in is 60 s
/// or less, until half of it is left. The life is counted from when the request was sent. A
/// response without expires_in is taken to live 300 s (a 401 replaces it sooner if need be).
///
/// Threading: every member may be called from any thread. Concurrent callers that find no
/// fresh token share ONE request: the first one fetches, the others wait for its result (the
/// token, or its error). invalidate(generation) after a 401 drops the token only if it is still
/// the one that got the 401, so many concurrent 401s of one stale token cause one refresh.
///
/// Secrets: the client secret and every token are registered with the SecretRedactor and never
/// appear in errors or log lines.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "sluice/status.hpp"
#include "support/http/http_client.hpp"
#include "support/http/retry_policy.hpp"
#include "support/http/secret_redaction.hpp"

namespace sluice::nodes::http {

struct TokenCacheOptions {
  std::string token_url;  ///< e.g. COGNIGY_BASE_URL + "/oauth/token", or COGNIGY_TOKEN_URL
  std::string client_id;
  std::string client_secret;
  std::string scope;       ///< space-separated scopes; empty = not sent
  HttpClientOptions http;  ///< its `cancelled` also ends waits for another caller's refresh
  Sleeper sleeper = real_sleeper();
  /// Monotonic time, for token lifetimes. Default: steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> clock;
  /// Wall time, for a Retry-After given as an HTTP-date. Default: system_clock::now.
  std::function<std::chrono::system_clock::time_point()> wall_clock;
  /// One line per token request (method, path, status, latency, attempt), called on the thread
  /// doing the refresh; may be empty.
  std::function<void(const std::string&)> log;
};

class TokenCache {
 public:
  struct Token {
    std::string access_token;
    std::uint64_t generation = 0;  ///< increases with every token fetched; pass to invalidate()
  };

  /// `redactor` may be null (one is made). Nothing is fetched until the first get().
  TokenCache(TokenCacheOptions options, RetryPolicy policy,
             std::shared_ptr<SecretRedactor> redactor = nullptr);

  /// A fresh token, fetching one if needed. Errors (after the retry policy):
  ///   401 -> invalid_argument "the platform rejected the client credentials (invalid_client);
  ///          check COGNIGY_CLIENT_ID and COGNIGY_CLIENT_SECRET"
  ///   400 invalid_scope -> invalid_argument naming the scope
  ///   others -> network_error naming the call, the attempts and the last status or failure
  ///   cancelled -> cancelled
  Result<Token> get();

  /// Drops the cached token if it is still generation `generation` (the one a call was refused
  /// with); the next get() fetches a new one.
  void invalidate(std::uint64_t generation);

  /// How long a token that lives `expires_in` is used before it is replaced.
  static std::chrono::milliseconds usable_for(std::chrono::seconds expires_in);

  const std::shared_ptr<SecretRedactor>& redactor() const noexcept { return redactor_; }

 private:
  struct Fetched {
    std::string access_token;
    std::chrono::seconds expires_in{0};
  };
  Result<Fetched> fetch();
  Result<Fetched> parse_token_response(std::string_view body, const std::string& where) const;
  Status token_error(const HttpRequest& request, const HttpOutcome& outcome, int attempts) const;
  bool cancelled() const { return options_.http.cancelled && options_.http.cancelled(); }

  TokenCacheOptions options_;
  RetryPolicy policy_;
  std::shared_ptr<SecretRedactor> redactor_;
  HttpClient client_;  ///< used only by the thread doing the refresh

  std::mutex mutex_;
  std::condition_variable refreshed_;
  bool refreshing_ = false;
  std::uint64_t refreshes_done_ = 0;  ///< completed refreshes, successful or not
  bool have_token_ = false;
  std::string token_;
  std::uint64_t generation_ = 0;
  std::chrono::steady_clock::time_point replace_at_;
  Status last_error_;  ///< of the latest failed refresh, for the callers that waited on it
};

}  // namespace sluice::nodes::http
