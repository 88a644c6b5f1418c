#include "support/http/retry_policy.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace sluice;
using namespace sluice::nodes::http;
using std::chrono::milliseconds;

namespace {

HttpOutcome status_outcome(int status, std::string retry_after = {}) {
  HttpOutcome outcome;
  outcome.failure = Failure::http_status;
  outcome.response.status = status;
  if (!retry_after.empty()) outcome.response.headers.emplace_back("Retry-After", retry_after);
  return outcome;
}

HttpOutcome transport_outcome(Failure failure) {
  HttpOutcome outcome;
  outcome.failure = failure;
  return outcome;
}

std::chrono::system_clock::time_point at(int y, unsigned m, unsigned d, int h, int min, int s) {
  return std::chrono::sys_days(std::chrono::year(y) / m / d) + std::chrono::hours(h) +
         std::chrono::minutes(min) + std::chrono::seconds(s);
}

}  // namespace

TEST_CASE("is_retryable: the contract's table") {
  for (bool safe : {false, true}) {
    CAPTURE(safe);
    CHECK(RetryPolicy::is_retryable(Failure::http_status, 429, safe));
    CHECK(RetryPolicy::is_retryable(Failure::connect, 0, safe));
    CHECK(RetryPolicy::is_retryable(Failure::http_status, 500, safe) == safe);
    CHECK(RetryPolicy::is_retryable(Failure::http_status, 502, safe) == safe);
    CHECK(RetryPolicy::is_retryable(Failure::http_status, 503, safe) == safe);
    CHECK(RetryPolicy::is_retryable(Failure::http_status, 504, safe) == safe);
    CHECK(RetryPolicy::is_retryable(Failure::dropped, 0, safe) == safe);
    CHECK(RetryPolicy::is_retryable(Failure::timeout, 0, safe) == safe);
    for (int never : {400, 401, 403, 404, 405, 409, 413, 422, 501, 505, 507}) {
      CAPTURE(never);
      CHECK_FALSE(RetryPolicy::is_retryable(Failure::http_status, never, safe));
    }
    for (Failure never : {Failure::tls, Failure::aborted, Failure::cancelled, Failure::too_large,
                          Failure::invalid_request, Failure::other, Failure::none}) {
      CHECK_FALSE(RetryPolicy::is_retryable(never, 0, safe));
    }
  }
}

TEST_CASE("backoff: full jitter under a doubling, capped ceiling") {
  RetryOptions options;
  options.base_delay = milliseconds(500);
  options.max_delay = milliseconds(3000);
  const RetryPolicy top(options, [] { return 0.999999; });
  CHECK(top.backoff_ceiling(1) == milliseconds(500));
  CHECK(top.backoff_ceiling(2) == milliseconds(1000));
  CHECK(top.backoff_ceiling(3) == milliseconds(2000));
  CHECK(top.backoff_ceiling(4) == milliseconds(3000));
  CHECK(top.backoff_ceiling(60) == milliseconds(3000));
  CHECK(top.backoff(1) == milliseconds(499));
  CHECK(top.backoff(3) == milliseconds(1999));

  const RetryPolicy bottom(options, [] { return 0.0; });
  CHECK(bottom.backoff(4) == milliseconds(0));

  const RetryPolicy half(options, [] { return 0.5; });
  CHECK(half.backoff(2) == milliseconds(500));

  // A seeded source is reproducible and stays inside [0, ceiling].
  const RetryPolicy a(options, seeded_random(42));
  const RetryPolicy b(options, seeded_random(42));
  bool varied = false;
  const milliseconds first = a.backoff(4);
  CHECK(b.backoff(4) == first);
  for (int i = 0; i < 200; ++i) {
    const auto delay = a.backoff(4);
    CHECK(delay == b.backoff(4));
    CHECK(delay >= milliseconds(0));
    CHECK(delay <= milliseconds(3000));
    varied = varied || delay != first;
  }
  CHECK(varied);
}

TEST_CASE("parse_retry_after: seconds and the three HTTP-date forms") {
  const auto now = at(2024, 3, 1, 12, 0, 0);
  CHECK(parse_retry_after("0", now) == milliseconds(0));
  CHECK(parse_retry_after(" 7 ", now) == milliseconds(7000));
  CHECK(parse_retry_after("99999999999", now) > milliseconds(1000LL * 3600 * 24 * 365));
  CHECK(parse_retry_after("Fri, 01 Mar 2024 12:00:30 GMT", now) == milliseconds(30'000));
  CHECK(parse_retry_after("Friday, 01-Mar-24 12:01:00 GMT", now) == milliseconds(60'000));
  CHECK(parse_retry_after("Fri Mar  1 12:00:05 2024", now) == milliseconds(5000));
  CHECK(parse_retry_after("Fri, 01 Mar 2024 11:00:00 GMT", now) == milliseconds(0));
  // Dates past 2262 or before 1678 do not fit system_clock's nanoseconds (found by fuzzing).
  CHECK(parse_retry_after("Sun Nov  6 08:49:37 2416", now) == milliseconds(999'999'999LL * 1000));
  CHECK(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now) == milliseconds(999'999'999LL * 1000));
  CHECK(parse_retry_after("Mon, 01 Jan 1001 00:00:00 GMT", now) == milliseconds(0));
  CHECK(parse_retry_after("Fri, 01 Mar 2054 12:00:00 GMT", now) ==
        milliseconds(1000LL * 86400 * (365 * 30 + 7)));
  // RFC 850's two-digit years: at most 50 years ahead, else in the past (RFC 9110 5.6.7).
  CHECK(parse_retry_after("Sunday, 01-Mar-54 12:00:00 GMT", now) ==
        milliseconds(1000LL * 86400 * (365 * 30 + 7)));
  CHECK(parse_retry_after("Sunday, 01-Mar-74 12:00:00 GMT", now) ==
        milliseconds(999'999'999LL * 1000));  // 2074, clamped
  CHECK(parse_retry_after("Sunday, 01-Mar-75 12:00:00 GMT", now) == milliseconds(0));  // 1975
  CHECK(parse_retry_after("Monday, 01-Mar-00 12:00:09 GMT", at(2099, 3, 1, 12, 0, 0)) ==
        milliseconds(1000LL * (86400 * 365 + 9)));  // 2100, not 2000
  for (const char* bad : {"", "-1", "1.5", "soon", "Fri, 31 Feb 2024 12:00:00 GMT",
                          "Fri, 01 Mar 2024 25:00:00 GMT", "Fri, 01 Mar 2024 12:00:00 PST"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_retry_after(bad, now).has_value());
  }
}

TEST_CASE("next_delay: Retry-After honoured and capped, attempts bounded") {
  RetryOptions options;
  options.max_attempts = 5;
  options.max_retry_after = milliseconds(120'000);
  const RetryPolicy policy(options, [] { return 0.5; });
  const auto now = std::chrono::system_clock::now();

  CHECK(policy.next_delay(1, status_outcome(429, "3"), false, now) == milliseconds(3000));
  CHECK(policy.next_delay(1, status_outcome(503, "2"), true, now) == milliseconds(2000));
  CHECK(policy.next_delay(1, status_outcome(429, "3600"), false, now) == milliseconds(120'000));
  // No or unusable Retry-After: jittered backoff.
  CHECK(policy.next_delay(2, status_outcome(429), false, now) == milliseconds(500));
  CHECK(policy.next_delay(2, status_outcome(429, "later"), false, now) == milliseconds(500));
  // Not retryable, or out of attempts.
  CHECK_FALSE(policy.next_delay(1, status_outcome(503, "1"), false, now).has_value());
  CHECK_FALSE(policy.next_delay(1, status_outcome(400), true, now).has_value());
  CHECK(policy.next_delay(4, status_outcome(429), false, now).has_value());
  CHECK_FALSE(policy.next_delay(5, status_outcome(429), false, now).has_value());
  CHECK(policy.next_delay(1, transport_outcome(Failure::dropped), true, now) == milliseconds(250));
  CHECK_FALSE(policy.next_delay(1, transport_outcome(Failure::dropped), false, now).has_value());
}

TEST_CASE("real_sleeper: waits, and stops early when cancelled") {
  const Sleeper sleep = real_sleeper();
  auto start = std::chrono::steady_clock::now();
  CHECK(sleep(milliseconds(20), {}));
  CHECK(std::chrono::steady_clock::now() - start >= milliseconds(20));

  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(30));
    cancel = true;
  });
  start = std::chrono::steady_clock::now();
  CHECK_FALSE(sleep(milliseconds(10'000), [&] { return cancel.load(); }));
  CHECK(std::chrono::steady_clock::now() - start < milliseconds(1000));
  canceller.join();
}
