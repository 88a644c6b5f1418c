#pragma once
/// One HTTP exchange at a time over libcurl: small JSON calls, streamed downloads and streamed
/// uploads. No retries here (see RetryingClient); each call is exactly one attempt.
///
/// Threading: an HttpClient is used by ONE thread at a time (it owns one libcurl easy handle,
/// which keeps its connections open between calls so they are reused). Use one client per
/// thread, or RetryingClient, which keeps a pool. Different clients may run concurrently.
///
/// Transport settings: TLS peer and host verification are always on (a CA bundle may be given);
/// the proxy environment variables (http_proxy, https_proxy, no_proxy) apply, as libcurl reads
/// them; no signals are used (CURLOPT_NOSIGNAL), so it is safe in threaded programs; the
/// "Expect: 100-continue" round trip is disabled for uploads; redirects are not followed (a 3xx
/// is returned like any other status) and no Accept-Encoding is sent, so body byte offsets are
/// those of the resource (downloads resume by offset).
///
/// Errors: send() and download() return a Status that names the call (method and URL without
/// its query), the failure kind and, for an HTTP status, the server's `error`/`message` fields.
/// Library code: never prints, never throws out of a call (a sink's or reader's sluice::Error is
/// caught and returned).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "sluice/status.hpp"
#include "support/http/http_types.hpp"

namespace sluice::nodes::http {

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  /// Limit on a whole exchange that streams nothing (send() with an in-memory body); 0 = none.
  std::chrono::milliseconds request_timeout{120'000};
  /// Limit on a whole streamed exchange (download(), or a streamed upload body); 0 = none, as a
  /// multi-gigabyte transfer may take long: the stall limit protects those.
  std::chrono::milliseconds stream_timeout{0};
  /// Abort when under 1 byte/s moves for this long (waiting for a response counts); 0 = never.
  std::chrono::seconds stall_timeout{60};
  /// Largest response body send() keeps; past it the call fails as too_large.
  std::size_t max_response_bytes = 16 * 1024 * 1024;
  /// PEM file of CA certificates to trust instead of the system's; empty = system default.
  std::string ca_file;
  std::string user_agent = "sluice";
  /// Polled during transfers (every 50 ms or sooner); true aborts the call as `cancelled`.
  std::function<bool()> cancelled;
};

/// Called once with the status and headers of a 2xx response, as soon as they are complete and
/// before any body byte. Return false (or throw sluice::Error) to stop: the call fails as aborted.
using ResponseHook = std::function<bool(const HttpResponse& head)>;

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// One exchange with the body kept in memory (up to max_response_bytes). A 2xx or expected
  /// status gives the response; anything else an error.
  Result<HttpResponse> send(const HttpRequest& request);

  /// One exchange whose 2xx body goes to `on_body` as it arrives; the returned response has the
  /// status and headers (its body is empty). A non-2xx body is never given to `on_body`: it is
  /// kept (up to 64 KiB) for the error message, or returned when the status is expected.
  Result<HttpResponse> download(const HttpRequest& request, const BodySink& on_body,
                                const ResponseHook& on_head = {});

  /// The low-level form of both, for retry loops: the outcome of one exchange, never a Status.
  /// `on_body` null = keep the body (send); `on_head` may be null.
  HttpOutcome exchange(const HttpRequest& request, const BodySink* on_body,
                       const ResponseHook* on_head);

  /// The Status for a failed outcome of `request`: "<METHOD> <url without query> failed: ...".
  static Status error_status(const HttpRequest& request, const HttpOutcome& outcome);

  const HttpClientOptions& options() const noexcept { return options_; }

 private:
  struct Impl;
  HttpClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::nodes::http
