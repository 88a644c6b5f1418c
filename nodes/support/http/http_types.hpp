#pragma once
/// The plain data of the HTTP layer: a request, a response, and how one exchange ended.
///
/// Everything here is a value type with no hidden state; safe to copy and to use from any thread.
/// The layer above (http_client, retrying_client, token_cache) builds on these:
///   HttpClient::exchange() -> HttpOutcome (a response of any status, or a transport failure)
///   RetryPolicy            -> decides from an HttpOutcome whether to try again
///   RetryingClient         -> turns the last HttpOutcome into a Result<HttpResponse>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/status.hpp"

namespace sluice::nodes::http {

/// Fills `buffer` with up to `capacity` request body bytes and returns how many; 0 = end of body.
/// May throw sluice::Error to abort the upload: the call then fails with that status, unretried.
using BodyReader = std::function<std::size_t(char* buffer, std::size_t capacity)>;

/// A streamed request body that can be sent more than once: every attempt (and every rewind
/// libcurl asks for, e.g. when a reused connection turns out to be closed) gets a fresh reader.
struct BodySource {
  std::function<BodyReader()> open;
  /// Sent as Content-Length when known; unknown = chunked transfer encoding. A reader that
  /// produces a different number of bytes than a known length fails the call (data_error).
  std::optional<std::uint64_t> length;
};

/// Receives response body bytes as they arrive; return false to stop the transfer (the call then
/// fails as `aborted`). May throw sluice::Error, with the same effect and that status.
using BodySink = std::function<bool(std::string_view chunk)>;

using Header = std::pair<std::string, std::string>;
using Headers = std::vector<Header>;

/// The value of the first header called `name` (ASCII case-insensitive), if any.
std::optional<std::string_view> find_header(const Headers& headers, std::string_view name);

/// Sets header `name` to `value`, replacing every earlier header of that name.
void set_header(Headers& headers, std::string_view name, std::string value);

/// Removes every header called `name`.
void remove_header(Headers& headers, std::string_view name);

struct HttpRequest {
  std::string method = "GET";  ///< uppercase
  std::string url;             ///< absolute http:// or https:// URL, without user info
  Headers headers;             ///< sent as given; names and values must not hold CR, LF or NUL
  std::string body;            ///< small in-memory body; ignored when `stream` is set
  std::optional<BodySource> stream;  ///< streamed body (uploads)

  /// A POST that creates something (contract: "creating POSTs"). RetryingClient gives it one
  /// Idempotency-Key for all its attempts, which also makes it safe to retry after a 5xx.
  bool creating = false;
  /// Whether sending the request twice is harmless. Unset: decided by the method (GET, HEAD,
  /// OPTIONS, PUT and DELETE are; POST and PATCH are not).
  std::optional<bool> idempotent;
  /// Non-2xx statuses the caller handles itself (e.g. 403 url_expired, 409 export_not_ready):
  /// such a response is returned as a value, with its body, and never retried.
  std::vector<int> expected_statuses;
};

struct HttpResponse {
  int status = 0;   ///< 0 when no response arrived
  Headers headers;  ///< of the final response (interim 1xx responses are dropped)
  /// The body for send(); for download() only the body of a non-2xx response (at most 64 KiB),
  /// because a 2xx body went to the caller's sink.
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const {
    return find_header(headers, name);
  }
};

/// How an exchange ended.
enum class Failure {
  none,             ///< a response arrived with a 2xx (or an expected) status
  connect,          ///< no connection (refused, unresolvable host, connect or TLS handshake
                    ///< timeout, reset before the request went out): nothing was sent
  timeout,          ///< the exchange took too long or stalled after the request went out
  dropped,          ///< the connection broke after the request went out (a body cut short)
  tls,              ///< TLS handshake or certificate verification failed
  http_status,      ///< a response arrived with a status the caller did not accept
  too_large,        ///< a kept response body went over the client's limit
  aborted,          ///< the caller's reader or sink stopped the transfer
  cancelled,        ///< the run was cancelled
  invalid_request,  ///< the request is unusable (malformed URL or header); nothing was sent
  other,            ///< anything else, e.g. a reply that is not HTTP
};

/// Short lowercase name, e.g. "dropped".
const char* failure_name(Failure failure) noexcept;

/// A text a server sent, made safe for one line of an error message or a log: control characters
/// (line breaks, terminal escapes) become spaces; past `max_bytes` it is cut at a character
/// boundary and "..." added.
std::string printable_server_text(std::string_view text, std::size_t max_bytes = 200);

/// The `error` and `message` fields of a JSON error body (the contract's error format; the
/// OAuth `error_description` stands in for a missing `message`). Empty when the body is not a
/// JSON object. Each field goes through printable_server_text.
struct ServerError {
  std::string code;
  std::string message;

  /// "code: message", or whichever of the two is there; "" for neither.
  std::string summary() const;
};
ServerError parse_server_error(std::string_view body);

/// The result of one HTTP exchange, before any retry decision.
struct HttpOutcome {
  Failure failure = Failure::none;
  HttpResponse response;  ///< whatever arrived; status 0 if no response started
  /// For transport failures: libcurl's description (never holds headers, bodies or the query).
  std::string detail;
  /// For `aborted`: the status the reader or sink gave (their sluice::Error).
  Status abort_status;
  std::chrono::milliseconds latency{0};

  bool ok() const noexcept { return failure == Failure::none; }
};

/// GET, HEAD, OPTIONS, PUT, DELETE, TRACE: sending them twice is harmless by definition.
bool is_idempotent_method(std::string_view method);

/// Whether `request` may be sent again after the server may have acted on it: idempotent (by
/// its flag or its method) or carrying an Idempotency-Key header.
bool is_replay_safe(const HttpRequest& request);

/// What went wrong, for an error message: "status 503 (server_busy: try later)",
/// "connection dropped (transfer closed with 10 bytes remaining to read)", "timed out (...)".
std::string describe_outcome(const HttpOutcome& outcome);

/// The StatusCode an outcome maps to: 404 -> not_found; cancelled, or a sink that returned
/// false -> cancelled; a sink's or reader's sluice::Error -> its code; invalid_request ->
/// invalid_argument; everything else -> network_error.
StatusCode status_code_for(const HttpOutcome& outcome);

/// One log line for one exchange, with no headers, bodies, query strings or secrets:
/// "GET /api/v2/bots/b1/exports/e1 -> 200 in 12 ms (attempt 1/5)".
std::string format_call_log(std::string_view method, std::string_view path,
                            const HttpOutcome& outcome, int attempt, int max_attempts);

}  // namespace sluice::nodes::http
