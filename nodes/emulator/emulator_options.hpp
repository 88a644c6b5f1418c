#pragma once
/// Options of the platform emulator (emulator.hpp) and the `sluice emulate` flags that set them.
///
/// Defaults give a well-behaved server of the API contract (/work/shared/spec/api-contract.md,
/// "Common rules", "Token endpoint" and section A) on an ephemeral loopback port; the Faults
/// make it misbehave in the ways the contract says clients must survive.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/status.hpp"
#include "support/utterance_generator.hpp"

namespace sluice::emulator {

/// Scopes of the contract's section A (utterance export and training import).
inline constexpr std::string_view kScopeExportRead = "bot:export:read";
inline constexpr std::string_view kScopeImportWrite = "bot:import:write";

/// The contract's default limit for an import's file part: 50 MiB.
inline constexpr std::uint64_t kDefaultImportLimitBytes = 50ULL * 1024 * 1024;

/// Misbehaviour to inject, and the lifetimes clients must cope with.
///
/// "Every Nth request" counts the requests (on every listener) whose path starts with
/// `fault_path_prefix`, from 1: with rate_limit_every = 3 the 3rd, 6th, 9th ... are answered 429.
/// When both counters pick the same request, the 429 wins.
struct Faults {
  int rate_limit_every = 0;       ///< 429 + `Retry-After` to every Nth request; 0 = never
  int retry_after_seconds = 1;    ///< the `Retry-After` value of injected 429s
  int server_error_every = 0;     ///< `server_error_status` to every Nth request; 0 = never
  int server_error_status = 503;  ///< 500..599
  std::string fault_path_prefix;  ///< only these paths count and fail; "" = all
  int slow_response_ms = 0;       ///< delay before answering each counted request

  double token_lifetime_seconds = 3600;        ///< access tokens expire after this (> 0)
  double download_url_lifetime_seconds = 900;  ///< signed download URLs expire after this (> 0)
  int polls_before_ready = 0;   ///< status polls answered pending/running before the final state
  bool fail_export = false;     ///< exports end "failed" instead of "completed"
  /// The `error` a failed export reports (tests set any text a server might send).
  std::string fail_export_error = "the export failed (injected fault: fail_export)";
  /// Export ids are this plus 16 hex digits (tests set odd ones).
  std::string export_id_prefix = "exp_";
  bool never_complete = false;  ///< exports stay "running" forever

  /// Cut download connections short, at absolute offsets of the export: N, 2N, 3N, ... Each cut
  /// point fires once per export, on the first response that would carry the byte at that offset.
  /// So a client resuming with `Range: bytes=N-` gets the next N bytes, and a client without
  /// ranges that downloads again from 0 gets past N and is cut at 2N; either way it finishes.
  /// 0 = never cut.
  std::uint64_t drop_download_after_bytes = 0;
  int drop_download_times = 0;  ///< at most this many cuts per export; 0 = every multiple of N
  bool accept_ranges = true;    ///< false: no `Accept-Ranges`, `Range` ignored (always 200)

  /// Left out of every token even though the client may have them and asks for them, so that
  /// calls needing them get 403 insufficient_scope (a misconfigured tenant).
  std::vector<std::string> denied_scopes;
};

struct EmulatorOptions {
  std::string host = "127.0.0.1";  ///< address to listen on (loopback by default)
  int port = 0;                    ///< 0 = any free port (see Emulator::base_url())

  /// "" = downloads are served by the main listener (same origin as the API). Otherwise a
  /// second listener on this host and `download_port` serves them: another origin, to which
  /// clients must not send their bearer token.
  std::string download_host;
  int download_port = 0;  ///< 0 = any free port

  // The export (see support/utterance_generator.hpp); every export has the same bytes.
  std::uint64_t rows = 1000;
  std::uint64_t seed = 42;
  bool crlf = false;                      ///< CRLF line ends
  bool bom = false;                       ///< start with a UTF-8 BOM
  std::string text_column = "utterance";  ///< name of the text column
  bool chunked_downloads = false;  ///< `Transfer-Encoding: chunked` instead of `Content-Length`

  // The one OAuth client the emulator knows, and its bots.
  std::string client_id = "sluice-demo";
  std::string client_secret = "sluice-demo-secret";
  std::vector<std::string> client_scopes = {std::string(kScopeExportRead),
                                            std::string(kScopeImportWrite)};
  std::vector<std::string> bot_ids = {"demo-bot"};

  std::uint64_t import_limit_bytes = kDefaultImportLimitBytes;  ///< 413 above this (file part)
  std::uint64_t import_keep_bytes = 1024 * 1024;  ///< ImportRecord::content keeps this much
  double idempotency_window_seconds = 24 * 3600;  ///< how long an Idempotency-Key is remembered

  int threads = 16;            ///< worker threads per listener (each open connection holds one)
  int keep_alive_seconds = 5;  ///< idle keep-alive connections are closed after this

  Faults faults;
};

/// The generator settings of the export the emulator serves: its downloads are
/// generate_utterance_export(export_generator_options(options)), byte for byte.
nodes::UtteranceGeneratorOptions export_generator_options(const EmulatorOptions& options);

/// Checks ranges and consistency (ports, positive lifetimes, a non-empty client and bot list,
/// scopes without spaces, a 5xx status, not both fail_export and never_complete...).
/// Errors are invalid_argument and name the option.
Status validate_emulator_options(const EmulatorOptions& options);

/// Parses the flags of `sluice emulate` (everything after the subcommand), starting from the
/// defaults above. Flags take their value as the next argument or after '=' (`--port=8080`);
/// --bot-id, --scope and --deny-scope may repeat (the first --bot-id or --scope replaces the
/// default list). The result is validated. `--help` is not a flag here: the caller checks for it
/// and prints emulator_help(). Errors are invalid_argument naming the flag.
Result<EmulatorOptions> parse_emulator_args(std::span<const std::string> args);

/// The flags, one per line with their defaults, for `sluice emulate --help`.
std::string emulator_help();

}  // namespace sluice::emulator
