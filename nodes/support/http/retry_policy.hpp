#pragma once
/// When to try an HTTP call again, and how long to wait first: the contract's rules as a pure,
/// testable object. RetryPolicy never sleeps and never touches the network; the caller runs the
/// loop (RetryingClient, TokenCache) and waits through a Sleeper.
///
/// Rules (api-contract.md, "Common rules"):
///   - 429: always retried, waiting for Retry-After when the response has one.
///   - 5xx, a dropped connection, a timeout: retried only when the request is replay-safe
///     (idempotent, or carries an Idempotency-Key). 501, 505, 507 and 511 are not transient
///     and are never retried.
///   - no connection at all (refused, DNS, connect timeout): retried, since nothing was sent.
///   - 4xx other than 429 (401 is the caller's token refresh), TLS failures, aborted or
///     cancelled calls: never.
///   - wait: Retry-After (seconds or HTTP-date; capped) when present, else "full jitter":
///     uniform in [0, min(max_delay, base_delay * 2^(retry - 1))] for retry 1, 2, ...
///
/// Thread safety: a RetryPolicy is immutable after construction; its random source must be
/// thread-safe (the ones made here are), so one policy may serve many threads.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "support/http/http_types.hpp"

namespace sluice::nodes::http {

struct RetryOptions {
  int max_attempts = 5;                                ///< attempts in all, the first one included
  std::chrono::milliseconds base_delay{500};           ///< backoff ceiling of the first retry
  std::chrono::milliseconds max_delay{30'000};         ///< backoff ceiling never grows past this
  std::chrono::milliseconds max_retry_after{120'000};  ///< a longer Retry-After is cut to this
};

/// Returns a number in [0, 1). Called from several threads at once.
using RandomSource = std::function<double()>;

/// A thread-safe source seeded from std::random_device.
RandomSource default_random();
/// A thread-safe, deterministic source (for tests and reproducible runs).
RandomSource seeded_random(std::uint64_t seed);

/// Waits `delay`, returning early with false as soon as `cancelled` (may be empty) says true;
/// returns true after a full wait.
using Sleeper =
    std::function<bool(std::chrono::milliseconds delay, const std::function<bool()>& cancelled)>;

/// The real clock: sleeps in slices of at most 50 ms and checks `cancelled` between them.
Sleeper real_sleeper();

/// The delay a Retry-After value asks for: delta-seconds ("120") or an HTTP-date (IMF-fixdate,
/// RFC 850 or asctime form) measured from `now` (a past date gives 0). nullopt when the value is
/// neither.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

class RetryPolicy {
 public:
  explicit RetryPolicy(RetryOptions options = {}, RandomSource random = default_random());

  const RetryOptions& options() const noexcept { return options_; }
  int max_attempts() const noexcept { return options_.max_attempts; }

  /// Whether an attempt that ended as (`failure`, HTTP `status`) may be tried again at all,
  /// attempt counts aside. `replay_safe`: see is_replay_safe().
  static bool is_retryable(Failure failure, int status, bool replay_safe);

  /// The backoff ceiling before retry number `retry` (1 = the second attempt):
  /// min(max_delay, base_delay * 2^(retry - 1)).
  std::chrono::milliseconds backoff_ceiling(int retry) const;

  /// A full-jitter backoff for retry number `retry`: uniform in [0, backoff_ceiling(retry)].
  std::chrono::milliseconds backoff(int retry) const;

  /// What to do after attempt number `attempt` (1-based) ended with `outcome`: the wait before
  /// the next attempt, or nullopt to give up (not retryable, or no attempts left). `now` is the
  /// wall clock, for a Retry-After given as an HTTP-date.
  std::optional<std::chrono::milliseconds> next_delay(
      int attempt, const HttpOutcome& outcome, bool replay_safe,
      std::chrono::system_clock::time_point now) const;

 private:
  RetryOptions options_;
  RandomSource random_;
};

}  // namespace sluice::nodes::http
