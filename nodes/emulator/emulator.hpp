#pragma once
/// Emulator: a built-in server of the platform API contract (/work/shared/spec/api-contract.md:
/// "Common rules", "Token endpoint" and section A) on loopback, for tests (in-process) and for
/// users (`sluice emulate`) who want to try sluice without a tenant.
///
/// Endpoints (paths relative to base_url()):
/// - `POST /oauth/token` and `POST /api/v1/oauth/token`: client credentials (form fields or HTTP
///   Basic) → a random bearer token with the requested scopes (all the client may have when no
///   scope is asked for);
/// - `POST /api/v2/bots/{botId}/exports` → 201 {"id","status":"pending"};
/// - `GET /api/v2/bots/{botId}/exports/{id}` → pending/running, then completed with a freshly
///   signed `downloadUrl` (or failed, per the faults);
/// - `GET /downloads/{id}?expires=<unix ms>&sig=<hex HMAC-SHA-256>` (the downloadUrl; on
///   download_base_url()): the export, streamed from sluice::nodes::UtteranceGenerator with the
///   options' rows and seed, byte-identical to generate_utterance_export(); `Range` supported;
/// - `POST /api/v2/bots/{botId}/imports` (multipart/form-data) → 201 {"id","rows"}, the upload
///   streamed through ImportReceiver.
///
/// Every request is checked in the contract's order: injected faults (429 with Retry-After, 5xx,
/// delays), route (404, or 405 with `Allow`), bearer token (401), scope (403), then the bot and
/// object (404), Idempotency-Key replay, body (400/413). All errors are JSON
/// {"error","message"}. Responses never use a content coding (Accept-Encoding is ignored), so
/// byte offsets are those of the export.
///
/// Threads: each listener runs cpp-httplib's server on its own worker pool; the export's size is
/// measured once by a background dry run (exports complete when it is known). Library code: it
/// never prints; the CLI prints base_url().

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emulator_options.hpp"
#include "import_receiver.hpp"
#include "sluice/status.hpp"

namespace sluice::emulator {

/// Counters since start (a test hook). Snapshot: stats() copies them.
struct EmulatorStats {
  std::uint64_t requests = 0;        ///< every request handled, on every listener
  std::uint64_t token_requests = 0;  ///< requests that reached a token endpoint
  std::uint64_t tokens_issued = 0;
  std::uint64_t invalid_client = 0;  ///< 401 invalid_client at the token endpoint
  std::uint64_t unauthorized = 0;    ///< 401 on API calls (missing, unknown, expired token)
  std::uint64_t forbidden = 0;       ///< 403 insufficient_scope
  std::uint64_t rate_limited = 0;    ///< injected 429s
  std::uint64_t server_errors = 0;   ///< injected 5xx
  std::uint64_t exports_created = 0;
  std::uint64_t export_polls = 0;
  std::uint64_t downloads = 0;            ///< download bodies started (GET answered 200 or 206)
  std::uint64_t range_downloads = 0;      ///< of those, 206 answers to a Range request
  std::uint64_t downloads_completed = 0;  ///< bodies sent to their end
  std::uint64_t downloads_dropped = 0;    ///< connections cut by the drop fault
  std::uint64_t bytes_downloaded = 0;     ///< body bytes written by downloads
  std::uint64_t expired_urls = 0;         ///< 403 url_expired
  std::uint64_t bad_signatures = 0;       ///< 403 invalid_signature
  std::uint64_t downloads_with_authorization = 0;  ///< download requests carrying Authorization
  std::uint64_t foreign_origin_authorization = 0;  ///< ... on the separate download listener
  std::uint64_t imports = 0;                       ///< imports accepted (201)
  std::uint64_t imports_rejected = 0;              ///< imports answered 400 or 413
  std::uint64_t idempotent_replays = 0;            ///< answers replayed for a known Idempotency-Key
};

/// One request as the emulator answered it (a test hook). Holds no credentials: header values
/// are not kept, only whether an Authorization header was present.
struct RequestRecord {
  std::string method;
  std::string path;  ///< without the query string (a signed URL's signature is not kept)
  int status = 0;    ///< the status sent (a dropped download still shows its 200/206)
  bool download_listener = false;  ///< arrived on the separate download listener
  bool had_authorization = false;  ///< an Authorization header was present
  std::string range;               ///< the Range header, "" when absent
  std::string idempotency_key;     ///< the Idempotency-Key header, "" when absent
};

class Emulator {
 public:
  /// Starts listening (options.port, or any free port when 0) and returns once connections are
  /// accepted. Errors: invalid_argument for bad options, io_error when a listener cannot bind.
  static Result<std::unique_ptr<Emulator>> start(EmulatorOptions options);

  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;
  ~Emulator();  ///< stop()

  /// "http://<host>:<port>", no trailing slash: the COGNIGY_BASE_URL of this emulator.
  std::string base_url() const;
  /// Origin of the signed download URLs: base_url() unless options.download_host is set.
  std::string download_base_url() const;
  int port() const;

  const EmulatorOptions& options() const;

  /// Stops accepting, ends transfers in progress and joins every thread. Idempotent.
  void stop();

  EmulatorStats stats() const;
  /// Accepted imports, oldest first.
  std::vector<ImportRecord> imports() const;
  /// The most recent requests (at most 10,000), oldest first.
  std::vector<RequestRecord> requests() const;

 private:
  struct Impl;
  explicit Emulator(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::emulator
