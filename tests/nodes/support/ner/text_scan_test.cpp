#include "support/ner/text_scan.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using sluice::nodes::ner::collect_digit_runs;
using sluice::nodes::ner::Span;

// The digit runs found byte by byte: what collect_digit_runs must agree with.
std::vector<std::pair<std::size_t, std::size_t>> reference_runs(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] < '0' || text[i] > '9') {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    runs.emplace_back(begin, i);
  }
  return runs;
}

std::vector<std::pair<std::size_t, std::size_t>> digit_runs(std::string_view text) {
  std::vector<Span> runs = {{7, 7}};  // stale contents are replaced
  collect_digit_runs(text, runs);
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (const Span& run : runs) out.emplace_back(run.begin, run.end);
  return out;
}

}  // namespace

TEST_CASE("collect_digit_runs: maximal runs of ASCII digits, in order") {
  using Runs = std::vector<std::pair<std::size_t, std::size_t>>;
  CHECK(digit_runs("").empty());
  CHECK(digit_runs("no digits here").empty());
  CHECK(digit_runs("7") == Runs{{0, 1}});
  CHECK(digit_runs("call 555-123 now 42") == Runs{{5, 8}, {9, 12}, {17, 19}});
  // Bytes next to '0' and '9' and non-ASCII bytes (including UTF-8 digits such as U+0663) are
  // not ASCII digits.
  CHECK(digit_runs("/0:9\xD9\xA3\xC2\xB2") == Runs{{1, 2}, {3, 4}});
}

TEST_CASE("collect_digit_runs agrees with a byte loop at every length and block boundary") {
  // Lengths around the 16- and 64-byte steps of the scan, texts ending exactly at the end of
  // their own allocation (so a read past the end would touch another object), digits dense and
  // sparse, runs that cross block boundaries.
  std::mt19937 random(12345);
  const std::string alphabet = "0123456789 ab/-.:\x80\xff";
  for (std::size_t length = 0; length <= 200; ++length) {
    for (int density = 0; density < 3; ++density) {
      for (int trial = 0; trial < 20; ++trial) {
        auto buffer = std::make_unique<char[]>(length == 0 ? 1 : length);
        for (std::size_t i = 0; i < length; ++i) {
          const bool digit = random() % 3 < static_cast<unsigned>(density);
          buffer[i] = digit ? static_cast<char>('0' + random() % 10)
                            : alphabet[10 + random() % (alphabet.size() - 10)];
        }
        const std::string_view text(buffer.get(), length);
        CAPTURE(length);
        CAPTURE(std::string(text));
        CHECK(digit_runs(text) == reference_runs(text));
      }
    }
  }
  // All digits: one run whatever the length.
  for (std::size_t length = 1; length <= 200; ++length) {
    const std::string text(length, '5');
    CHECK(digit_runs(text) == std::vector<std::pair<std::size_t, std::size_t>>{{0, length}});
  }
}
