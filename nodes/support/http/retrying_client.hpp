#pragma once
/// The client connector nodes use: HttpClient + RetryPolicy + TokenCache, with the contract's
/// rules applied to every call.
///
///   - Authorization: Bearer <token> is added ONLY when the request URL's origin equals the
///     platform base URL's origin; any other origin (a signed download URL on a storage host, a
///     webhook) never sees the token.
///   - A request marked `creating` gets "Idempotency-Key: <random 128-bit hex>" (unless it has
///     one already); every retry of that call sends the same key.
///   - A 401 from the platform origin: the token is refreshed once and the call repeated once.
///   - Everything else the RetryPolicy says, waiting through the Sleeper (cancellable).
///   - download() resumes a broken body where it broke: with "Range: bytes=<n>-" (unless the
///     server has shown no Accept-Ranges: bytes), else by downloading again and skipping the
///     bytes already delivered; the sink sees every byte exactly once, in order.
///   - One log line per HTTP exchange: method, path without query, status or failure, latency,
///     attempt. Never headers, bodies, query strings or secrets.
///
/// Errors name the call (method and path for the platform origin; origin and path elsewhere),
/// the attempts and the last status, e.g.
///   "POST /api/v2/bots/b1/imports failed after 5 attempts: last status 503 (server_busy: try
///   later)"
/// and pass through the SecretRedactor.
///
/// Threading: every member may be called from any number of threads at once. Each call borrows
/// an HttpClient from an internal pool (one per concurrent caller), so connections are reused.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sluice/status.hpp"
#include "support/http/http_client.hpp"
#include "support/http/retry_policy.hpp"
#include "support/http/secret_redaction.hpp"
#include "support/http/token_cache.hpp"

namespace sluice::nodes::http {

struct RetryingClientOptions {
  /// COGNIGY_BASE_URL: its origin receives the bearer token. May be empty when `tokens` is
  /// null (e.g. a webhook client).
  std::string base_url;
  HttpClientOptions http;  ///< its `cancelled` also ends waits between attempts
  Sleeper sleeper = real_sleeper();
  /// Wall time, for a Retry-After given as an HTTP-date. Default: system_clock::now.
  std::function<std::chrono::system_clock::time_point()> wall_clock;
  /// One line per HTTP exchange, called on the calling threads (so it must be thread-safe);
  /// may be empty.
  std::function<void(const std::string&)> log;
};

/// A random 128-bit value as 32 lowercase hex digits.
std::string new_idempotency_key();

class RetryingClient {
 public:
  /// `tokens` may be null: then no Authorization header is ever added. `redactor` may be null:
  /// then the token cache's is used (or a new, empty one).
  RetryingClient(RetryingClientOptions options, RetryPolicy policy,
                 std::shared_ptr<TokenCache> tokens,
                 std::shared_ptr<SecretRedactor> redactor = nullptr);
  ~RetryingClient();
  RetryingClient(const RetryingClient&) = delete;
  RetryingClient& operator=(const RetryingClient&) = delete;

  /// A call whose response body is kept in memory (JSON calls, uploads via request.stream).
  /// A 2xx or expected status gives the response; anything else, after retries, an error.
  Result<HttpResponse> call(const HttpRequest& request);

  /// A streamed download of `request` (a GET). `delivered`, in: body bytes the caller already
  /// has from an earlier call for the same resource (the download continues after them); out:
  /// all the bytes the caller has now, also after a failure, so a caller that must first fetch
  /// a fresh URL (403 url_expired) can go on where it stopped. The request must not set Range.
  Result<HttpResponse> download(const HttpRequest& request, const BodySink& on_body,
                                std::uint64_t& delivered);
  Result<HttpResponse> download(const HttpRequest& request, const BodySink& on_body);

  const RetryPolicy& policy() const noexcept { return policy_; }
  const std::shared_ptr<SecretRedactor>& redactor() const noexcept { return redactor_; }

 private:
  class Lease;
  Result<HttpResponse> run(const HttpRequest& request, const BodySink* on_body,
                           std::uint64_t* delivered);
  std::unique_ptr<HttpClient> take_client();
  void give_back(std::unique_ptr<HttpClient> client);
  void log(const std::string& line) const;

  RetryingClientOptions options_;
  RetryPolicy policy_;
  std::shared_ptr<TokenCache> tokens_;
  std::shared_ptr<SecretRedactor> redactor_;
  std::string base_origin_;  ///< empty when base_url is empty or invalid
  Status base_status_;       ///< why base_url is unusable; calls fail with it when tokens are set

  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<HttpClient>> idle_;
};

}  // namespace sluice::nodes::http
