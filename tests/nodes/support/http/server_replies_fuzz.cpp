// Fuzz harness for what the HTTP layer reads from a server's reply, which may be any bytes: a
// real tenant, a proxy's error page, a broken or hostile server. The first byte picks one:
// - error bodies (parse_server_error): any body gives fields of at most 200 bytes (then "...")
//   with no control characters, cut on UTF-8 boundaries (they go into messages and logs);
// - Retry-After values (parse_retry_after): never a negative delay; delta-seconds exactly as
//   written (clamped past 9 digits); an IMF-fixdate or asctime date that it accepts is the
//   instant libcurl's own date parser reads from the same text.
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "support/fuzz_support.hpp"
#include "support/http/http_types.hpp"
#include "support/http/retry_policy.hpp"
#include "support/regex.hpp"

namespace {

using sluice::fuzz::escaped;
using std::chrono::milliseconds;
namespace http = sluice::nodes::http;

void check_field(const std::string& field, std::string_view body, bool body_valid_utf8,
                 const char* name) {
  const std::string where = std::string(name) + " \"" + escaped(field) + "\" of \"" + escaped(body) + "\"";
  SLUICE_FUZZ_CHECK(field.size() <= 200 || (field.size() <= 203 && field.ends_with("...")),
                    where + ": too long");
  for (const char c : field) {
    const auto byte = static_cast<unsigned char>(c);
    SLUICE_FUZZ_CHECK(byte >= 0x20 && byte != 0x7F, where + ": a control character");
  }
  if (body_valid_utf8) {
    SLUICE_FUZZ_CHECK(sluice::nodes::is_valid_utf8(field), where + ": cut inside a UTF-8 sequence");
  }
}

void check_error_body(std::string_view body) {
  const http::ServerError error = http::parse_server_error(body);
  const bool valid = sluice::nodes::is_valid_utf8(body);
  check_field(error.code, body, valid, "code");
  check_field(error.message, body, valid, "message");
}

void check_retry_after(sluice::fuzz::FuzzInput& input) {
  // "now": somewhere between 1970 and 2100, whole seconds.
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(input.take_u32()));
  const std::string value(input.rest());
  const auto delay = http::parse_retry_after(value, now);
  if (!delay) return;
  const std::string where = "Retry-After \"" + escaped(value) + "\"";
  SLUICE_FUZZ_CHECK(delay->count() >= 0, where + ": negative delay");

  std::string_view trimmed = value;
  while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) trimmed.remove_prefix(1);
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t')) trimmed.remove_suffix(1);
  if (!trimmed.empty() && trimmed.find_first_not_of("0123456789") == std::string_view::npos) {
    const long long seconds = trimmed.size() > 9 ? 999'999'999LL : std::stoll(std::string(trimmed));
    SLUICE_FUZZ_CHECK(delay->count() == seconds * 1000, where + ": " + std::to_string(delay->count()) + " ms");
    return;
  }
  // Compared with curl only where the text is as RFC 9110 writes dates. curl is more lenient:
  // it reads other leading letters as a time zone ("n" is UTC-1), and a four-digit year with a
  // leading zero ("0033") as a two-digit one (2033) where RFC 9110 means the year 33.
  static constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  const std::size_t letters = std::min(trimmed.find_first_of(", "), trimmed.size());
  const std::string_view day = trimmed.substr(0, letters);
  bool named_day = false;
  for (const std::string_view d : kDays) {
    named_day = named_day || day == d || (day.starts_with(d) && day.ends_with("day"));
  }
  if (!named_day) return;
  // RFC 850's two-digit years are placed around "now" (RFC 9110 5.6.7); curl has a fixed pivot.
  if (trimmed.find('-') != std::string_view::npos) return;
  for (std::size_t i = 0; i + 4 <= trimmed.size(); ++i) {
    const std::string_view four = trimmed.substr(i, 4);
    const bool digits = four.find_first_not_of("0123456789") == std::string_view::npos;
    const bool bounded = (i == 0 || trimmed[i - 1] < '0' || trimmed[i - 1] > '9') &&
                         (i + 4 == trimmed.size() || trimmed[i + 4] < '0' || trimmed[i + 4] > '9');
    if (digits && bounded && four.front() == '0') return;
  }
  const std::time_t curl_time = curl_getdate(std::string(trimmed).c_str(), nullptr);
  if (curl_time < 0) return;  // curl reads no date here (or one before 1970)
  // In seconds: "now" is whole seconds, and a far date would overflow nanoseconds.
  const auto at = std::chrono::sys_seconds(std::chrono::seconds(curl_time));
  const auto now_seconds = std::chrono::floor<std::chrono::seconds>(now);
  const auto ahead = std::min(at - now_seconds, std::chrono::seconds(999'999'999));
  const auto expected = at <= now_seconds ? milliseconds(0) : milliseconds(ahead);
  SLUICE_FUZZ_CHECK(*delay == expected, where + ": " + std::to_string(delay->count()) +
                                            " ms, curl's date gives " +
                                            std::to_string(expected.count()) + " ms");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sluice::fuzz::FuzzInput input(data, size);
  if (input.take_choice(2) == 0) {
    check_error_body(input.rest());
  } else {
    check_retry_after(input);
  }
  return 0;
}
