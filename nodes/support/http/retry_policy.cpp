#include "support/http/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

namespace sluice::nodes::http {

namespace {

using std::chrono::milliseconds;

/// Longest single sleep between two looks at the cancellation flag.
constexpr milliseconds kSleepSlice{50};

RandomSource make_random(std::uint64_t seed) {
  struct State {
    std::mutex mutex;
    std::mt19937_64 engine;
  };
  auto state = std::make_shared<State>();
  state->engine.seed(seed);
  return [state] {
    std::lock_guard lock(state->mutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(state->engine);
  };
}

/// A tiny cursor over an HTTP-date.
class DateCursor {
 public:
  explicit DateCursor(std::string_view text) : text_(text) {}

  bool done() const { return pos_ == text_.size(); }
  bool literal(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void skip_letters() {
    while (pos_ < text_.size() && ((text_[pos_] >= 'a' && text_[pos_] <= 'z') ||
                                   (text_[pos_] >= 'A' && text_[pos_] <= 'Z'))) {
      ++pos_;
    }
  }
  bool number(int min_digits, int max_digits, int& value) {
    value = 0;
    int digits = 0;
    while (pos_ < text_.size() && digits < max_digits && text_[pos_] >= '0' && text_[pos_] <= '9') {
      value = value * 10 + (text_[pos_++] - '0');
      ++digits;
    }
    return digits >= min_digits;
  }
  bool month(int& value) {
    static constexpr std::array<std::string_view, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; ++i) {
      if (text_.substr(pos_, 3) == kMonths[static_cast<std::size_t>(i)]) {
        pos_ += 3;
        value = i + 1;
        return true;
      }
    }
    return false;
  }
  bool time_of_day(int& h, int& m, int& s) {
    return number(2, 2, h) && literal(':') && number(2, 2, m) && literal(':') && number(2, 2, s);
  }
  bool word(std::string_view w) {
    if (text_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// The year an RFC 850 date's two digits mean (RFC 9110 section 5.6.7): the one with those last
// digits in the window from 49 years before `this_year` to 50 after it, so a date that would
// seem more than 50 years ahead is read as past instead.
int full_year(int two_digits, int this_year) {
  int year = this_year - this_year % 100 + two_digits;
  if (year > this_year + 50) year -= 100;
  if (year < this_year - 49) year += 100;
  return year;
}

// In whole seconds: an HTTP-date may name any year from 0000 to 9999, and system_clock's
// nanoseconds end in 2262. `this_year` places RFC 850's two-digit years.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text, int this_year) {
  DateCursor in(text);
  int day = 0;
  int month = 0;
  int year = 0;
  int h = 0;
  int m = 0;
  int s = 0;
  in.skip_letters();
  if (in.literal(',')) {
    // IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" or RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT".
    if (!in.literal(' ') || !in.number(2, 2, day)) return std::nullopt;
    const char separator = in.literal('-') ? '-' : ' ';
    if (separator == ' ' && !in.literal(' ')) return std::nullopt;
    if (!in.month(month) || !in.literal(separator)) return std::nullopt;
    if (separator == '-') {
      if (!in.number(2, 2, year)) return std::nullopt;
      year = full_year(year, this_year);
    } else if (!in.number(4, 4, year)) {
      return std::nullopt;
    }
    if (!in.literal(' ') || !in.time_of_day(h, m, s) || !in.word(" GMT")) return std::nullopt;
  } else {
    // asctime "Sun Nov  6 08:49:37 1994".
    if (!in.literal(' ') || !in.month(month) || !in.literal(' ')) return std::nullopt;
    in.literal(' ');
    if (!in.number(1, 2, day) || !in.literal(' ') || !in.time_of_day(h, m, s)) return std::nullopt;
    if (!in.literal(' ') || !in.number(4, 4, year)) return std::nullopt;
  }
  if (!in.done() || h > 23 || m > 59 || s > 60) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(h) + std::chrono::minutes(m) +
         std::chrono::seconds(s);
}

bool is_non_transient_5xx(int status) {
  return status == 501 || status == 505 || status == 507 || status == 511;
}

}  // namespace

RandomSource default_random() { return make_random(std::random_device{}()); }

RandomSource seeded_random(std::uint64_t seed) { return make_random(seed); }

Sleeper real_sleeper() {
  return [](milliseconds delay, const std::function<bool()>& cancelled) {
    const auto until = std::chrono::steady_clock::now() + delay;
    while (true) {
      if (cancelled && cancelled()) return false;
      const auto now = std::chrono::steady_clock::now();
      if (now >= until) return true;
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(until - now, kSleepSlice));
    }
  };
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // More than 9 digits is over 30 years: clamp instead of overflowing; the cap applies later.
    if (value.size() > 9) return milliseconds(999'999'999LL * 1000);
    long long seconds = 0;
    for (char c : value) seconds = seconds * 10 + (c - '0');
    return milliseconds(seconds * 1000);
  }
  const auto now_seconds = std::chrono::floor<std::chrono::seconds>(now);
  const std::chrono::year_month_day today{std::chrono::floor<std::chrono::days>(now_seconds)};
  const auto date = parse_http_date(value, static_cast<int>(today.year()));
  if (!date) return std::nullopt;
  // Compared in seconds first, so a date centuries away cannot overflow; past 999,999,999 s it
  // is clamped like delta-seconds.
  if (*date <= now_seconds) return milliseconds(0);
  if (*date - now_seconds > std::chrono::seconds(999'999'999)) return milliseconds(999'999'999LL * 1000);
  return std::chrono::ceil<milliseconds>(*date - now);
}

RetryPolicy::RetryPolicy(RetryOptions options, RandomSource random)
    : options_(options), random_(std::move(random)) {
  options_.max_attempts = std::max(options_.max_attempts, 1);
  if (!random_) random_ = default_random();
}

bool RetryPolicy::is_retryable(Failure failure, int status, bool replay_safe) {
  switch (failure) {
    case Failure::connect: return true;
    case Failure::timeout:
    case Failure::dropped: return replay_safe;
    case Failure::http_status:
      if (status == 429) return true;
      if (status >= 500 && status <= 599) return replay_safe && !is_non_transient_5xx(status);
      return false;
    default: return false;
  }
}

milliseconds RetryPolicy::backoff_ceiling(int retry) const {
  // 2^exponent stays far from overflow: 2^20 * any sane base is past every sane cap.
  const int exponent = std::clamp(retry - 1, 0, 20);
  const auto ceiling = options_.base_delay * (std::int64_t{1} << exponent);
  return std::min(ceiling, options_.max_delay);
}

milliseconds RetryPolicy::backoff(int retry) const {
  const double unit = std::clamp(random_(), 0.0, 1.0);
  return milliseconds(
      static_cast<std::int64_t>(unit * static_cast<double>(backoff_ceiling(retry).count())));
}

std::optional<milliseconds> RetryPolicy::next_delay(
    int attempt, const HttpOutcome& outcome, bool replay_safe,
    std::chrono::system_clock::time_point now) const {
  if (attempt >= options_.max_attempts) return std::nullopt;
  if (!is_retryable(outcome.failure, outcome.response.status, replay_safe)) return std::nullopt;
  if (outcome.failure == Failure::http_status) {
    if (const auto header = outcome.response.header("Retry-After")) {
      if (const auto wait = parse_retry_after(*header, now)) {
        return std::min(*wait, options_.max_retry_after);
      }
    }
  }
  return backoff(attempt);
}

}  // namespace sluice::nodes::http
