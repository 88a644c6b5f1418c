// Fuzz harness for the emulator's request and response parts, which face whatever a client
// sends. The first byte picks one:
// - Range headers (decide_range): any header gives a sane decision (a partial range lies inside
//   the body); a well-formed "bytes=N-M", "bytes=N-" or "bytes=-N" gives exactly what RFC 9110
//   says;
// - form bodies (parse_form): any body decodes or fails cleanly, and what decodes encodes back
//   (with the client's form_encode) to a body that decodes the same; name/value pairs taken from
//   the input survive form_encode then parse_form unchanged;
// - JSON strings (json_quote): valid UTF-8 quotes to a JSON string that simdjson reads back as
//   the same text.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/byte_range.hpp"
#include "emulator/json_text.hpp"
#include "emulator/url_form.hpp"
#include "support/fuzz_support.hpp"
#include "support/http/url.hpp"
#include "support/regex.hpp"

namespace {

using sluice::emulator::RangeDecision;
using sluice::fuzz::escaped;

void check_range(sluice::fuzz::FuzzInput& input) {
  const std::uint64_t total = input.take_u32() % 100000;
  const std::uint64_t n = input.take_u32() % 200000;
  const std::uint64_t m = input.take_u32() % 200000;
  const std::size_t form = input.take_choice(4);
  const std::string_view header = input.rest();

  const RangeDecision any = sluice::emulator::decide_range(header, total);
  if (any.kind == RangeDecision::Kind::partial) {
    SLUICE_FUZZ_CHECK(any.first <= any.last && any.last < total,
                      "range [" + std::to_string(any.first) + ", " + std::to_string(any.last) +
                          "] of " + std::to_string(total) + " bytes for \"" + escaped(header) + "\"");
  }

  // The well-formed forms, against RFC 9110 section 14.1.2.
  RangeDecision expected;
  std::string text;
  if (form == 0) {  // bytes=N-M
    text = "bytes=" + std::to_string(n) + "-" + std::to_string(m);
    if (m >= n) {
      if (n >= total) {
        expected = {RangeDecision::Kind::unsatisfiable, 0, 0};
      } else {
        expected = {RangeDecision::Kind::partial, n, m < total ? m : total - 1};
      }
    }
  } else if (form == 1) {  // bytes=N-
    text = "bytes=" + std::to_string(n) + "-";
    expected = n >= total ? RangeDecision{RangeDecision::Kind::unsatisfiable, 0, 0}
                          : RangeDecision{RangeDecision::Kind::partial, n, total - 1};
  } else if (form == 2) {  // bytes=-N: the last N bytes
    text = "bytes=-" + std::to_string(n);
    if (n == 0 || total == 0) {
      expected = {RangeDecision::Kind::unsatisfiable, 0, 0};
    } else {
      expected = {RangeDecision::Kind::partial, n < total ? total - n : 0, total - 1};
    }
  } else {  // two ranges: served whole
    text = "bytes=" + std::to_string(n) + "-" + std::to_string(m) + ", 0-1";
  }
  const RangeDecision got = sluice::emulator::decide_range(text, total);
  SLUICE_FUZZ_CHECK(got.kind == expected.kind &&
                        (got.kind != RangeDecision::Kind::partial ||
                         (got.first == expected.first && got.last == expected.last)),
                    "\"" + text + "\" of " + std::to_string(total) + " bytes: kind " +
                        std::to_string(static_cast<int>(got.kind)) + " [" +
                        std::to_string(got.first) + ", " + std::to_string(got.last) + "]");
}

void check_form(sluice::fuzz::FuzzInput& input) {
  // Pairs from the input, through the client's encoder and the emulator's decoder.
  std::vector<std::pair<std::string, std::string>> pairs;
  const std::size_t count = input.take_choice(4);
  for (std::size_t i = 0; i < count; ++i) {
    std::string name(input.take_text(12));
    std::string value(input.take_text(24));
    pairs.emplace_back(std::move(name), std::move(value));
  }
  const std::string encoded = sluice::nodes::http::form_encode(pairs);
  const auto decoded = sluice::emulator::parse_form(encoded);
  SLUICE_FUZZ_CHECK(decoded.ok(), "form_encode's \"" + escaped(encoded) + "\" does not parse");
  // Even a pair with an empty name and value survives: it encodes to "=", read back as ("", "").
  SLUICE_FUZZ_CHECK(*decoded == pairs, "\"" + escaped(encoded) + "\" decodes differently");

  // Any body.
  const std::string_view body = input.rest();
  const auto fields = sluice::emulator::parse_form(body);
  if (!fields.ok()) return;
  const std::string again = sluice::nodes::http::form_encode(*fields);
  const auto reparsed = sluice::emulator::parse_form(again);
  SLUICE_FUZZ_CHECK(reparsed.ok() && *reparsed == *fields,
                    "\"" + escaped(body) + "\" re-encoded as \"" + escaped(again) + "\" decodes differently");
}

void check_json_quote(std::string_view text) {
  const std::string quoted = sluice::emulator::json_quote(text);
  if (!sluice::nodes::is_valid_utf8(text)) return;  // copied as is, by contract
  simdjson::dom::parser parser;
  std::string_view back;
  const auto error = parser.parse(quoted).get_string().get(back);
  SLUICE_FUZZ_CHECK(error == simdjson::SUCCESS && back == text,
                    "json_quote(\"" + escaped(text) + "\") = " + escaped(quoted));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sluice::fuzz::FuzzInput input(data, size);
  switch (input.take_choice(3)) {
    case 0: check_range(input); break;
    case 1: check_form(input); break;
    default: check_json_quote(input.rest()); break;
  }
  return 0;
}
