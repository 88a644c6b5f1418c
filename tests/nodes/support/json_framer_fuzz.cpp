// Fuzz harness for JsonFramer, which cuts JSON Lines or one big JSON array into values.
// - Fed in pieces (cut where the input says) or at once, it gives the same values, indexes and
//   lines, or the same error.
// - A stream that simdjson reads as one array (after an optional BOM) frames, in array or detect
//   layout, into exactly its elements: each value's text parses to the element at its index.
// - In lines layout, the values are the stream's non-blank lines (CR before LF dropped), each
//   with its line number.
#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/status.hpp"
#include "support/fuzz_support.hpp"
#include "support/json_framer.hpp"

namespace {

using sluice::fuzz::escaped;
using sluice::nodes::JsonFramer;
using sluice::nodes::JsonLayout;
using sluice::nodes::RawJsonValue;

struct Framed {
  std::vector<RawJsonValue> values;
  std::optional<std::string> error;
};

bool same(const Framed& a, const Framed& b) {
  if (a.error != b.error || a.values.size() != b.values.size()) return false;
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    const auto& x = a.values[i];
    const auto& y = b.values[i];
    if (x.text != y.text || x.index != y.index || x.line != y.line) return false;
  }
  return true;
}

std::string describe(const Framed& f) {
  std::string out = f.error ? "error \"" + *f.error + "\" after " : "";
  out += std::to_string(f.values.size()) + " values:";
  for (const auto& v : f.values) {
    out += " [" + std::to_string(v.index) + "@" + std::to_string(v.line) + " " + escaped(v.text, 40) + "]";
  }
  return out;
}

Framed frame(std::string_view stream, JsonLayout layout, std::uint32_t seed, std::size_t max_piece) {
  Framed out;
  JsonFramer framer(layout);
  try {
    if (max_piece == 0) {
      framer.feed(stream, out.values);
    } else {
      sluice::fuzz::Cuts cuts(seed, max_piece);
      for (std::size_t at = 0; at < stream.size();) {
        const std::size_t n = std::min(cuts.next_piece(), stream.size() - at);
        framer.feed(stream.substr(at, n), out.values);
        at += n;
      }
    }
    framer.finish(out.values);
  } catch (const sluice::Error& error) {
    out.error = error.what();
  }
  return out;
}

std::string minified(simdjson::dom::element element) { return simdjson::minify(element); }

void check_against_simdjson(std::string_view stream, const Framed& framed) {
  std::string_view body = stream;
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  if (parser.parse(body.data(), body.size(), true).get(array) != simdjson::SUCCESS) return;
  std::vector<std::string> elements;
  for (const auto element : array) elements.push_back(minified(element));
  SLUICE_FUZZ_CHECK(!framed.error && framed.values.size() == elements.size(),
                    "array \"" + escaped(stream) + "\" of " + std::to_string(elements.size()) +
                        " elements framed as " + describe(framed));
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const auto& value = framed.values[i];
    SLUICE_FUZZ_CHECK(value.index == i + 1, "index " + std::to_string(value.index));
    simdjson::dom::parser value_parser;
    simdjson::dom::element element;
    const auto error = value_parser.parse(value.text).get(element);
    SLUICE_FUZZ_CHECK(error == simdjson::SUCCESS && minified(element) == elements[i],
                      "element " + std::to_string(i + 1) + " of \"" + escaped(stream) +
                          "\" framed as \"" + escaped(value.text) + "\"");
  }
}

void check_lines(std::string_view stream, const Framed& framed) {
  SLUICE_FUZZ_CHECK(!framed.error, "lines layout failed: " + describe(framed));
  std::string_view body = stream;
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  std::vector<std::pair<std::string, std::uint64_t>> expected;  // trimmed text, line
  std::uint64_t line = 1;
  while (true) {
    const auto newline = body.find('\n');
    std::string_view text = body.substr(0, newline);
    while (!text.empty() && std::string_view(" \t\r\n").find(text.front()) != std::string_view::npos) text.remove_prefix(1);
    while (!text.empty() && std::string_view(" \t\r\n").find(text.back()) != std::string_view::npos) text.remove_suffix(1);
    if (!text.empty()) expected.emplace_back(std::string(text), line);
    if (newline == std::string_view::npos) break;
    body.remove_prefix(newline + 1);
    ++line;
  }
  SLUICE_FUZZ_CHECK(framed.values.size() == expected.size(),
                    "\"" + escaped(stream) + "\" as lines: " + describe(framed));
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& v = framed.values[i];
    SLUICE_FUZZ_CHECK(v.text == expected[i].first && v.line == expected[i].second && v.index == i + 1,
                      "\"" + escaped(stream) + "\" line value " + std::to_string(i + 1) + ": " + describe(framed));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sluice::fuzz::FuzzInput input(data, size);
  static constexpr JsonLayout kLayouts[] = {JsonLayout::lines, JsonLayout::array, JsonLayout::detect};
  const JsonLayout layout = kLayouts[input.take_choice(3)];
  const std::uint32_t seed = input.take_u32();
  const std::size_t max_piece = 1 + input.take_byte() % 32;
  const std::string_view stream = input.rest();

  const Framed whole = frame(stream, layout, 0, 0);
  const Framed pieces = frame(stream, layout, seed, max_piece);
  SLUICE_FUZZ_CHECK(same(whole, pieces), "\"" + escaped(stream) + "\" at once: " + describe(whole) +
                                             "; in pieces: " + describe(pieces));
  if (layout == JsonLayout::lines) {
    check_lines(stream, whole);
  } else {
    check_against_simdjson(stream, whole);
  }
  return 0;
}
