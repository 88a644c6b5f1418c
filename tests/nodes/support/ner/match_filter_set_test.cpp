#include "support/ner/match_filter_set.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

namespace {

using sluice::nodes::ner::ByteSet;
using sluice::nodes::ner::Gram;
using sluice::nodes::ner::MatchFilter;
using sluice::nodes::ner::MatchFilterSet;

// A random byte set over a small alphabet, so that random texts often contain the grams.
ByteSet random_set(std::mt19937& random) {
  static const char kAlphabet[] = "ab0.- ";
  ByteSet set;
  const int members = std::uniform_int_distribution<int>(1, 3)(random);
  for (int i = 0; i < members; ++i) {
    set.insert(static_cast<unsigned char>(
        kAlphabet[std::uniform_int_distribution<std::size_t>(0, sizeof kAlphabet - 2)(random)]));
  }
  return set;
}

// `min_grams` 0 also gives filters without terms, which pass on length alone.
MatchFilter random_filter(std::mt19937& random, int min_grams) {
  MatchFilter filter;
  const int grams = std::uniform_int_distribution<int>(min_grams, 6)(random);
  for (int g = 0; g < grams; ++g) {
    Gram gram;
    const std::size_t length =
        std::uniform_int_distribution<std::size_t>(1, Gram::kMaxLength)(random);
    for (std::size_t k = 0; k < length; ++k) gram.bytes.push_back(random_set(random));
    filter.grams.push_back(gram);
  }
  const int terms = grams == 0 ? 0 : std::uniform_int_distribution<int>(1, 3)(random);
  for (int t = 0; t < terms; ++t) {
    std::uint32_t term = 0;
    while (term == 0)
      term = std::uniform_int_distribution<std::uint32_t>(0, (1u << grams) - 1)(random);
    filter.terms.push_back(term);
  }
  filter.min_length = std::uniform_int_distribution<std::size_t>(0, 4)(random);
  return filter;
}

}  // namespace

TEST_CASE("match filter set: same answers as each filter on its own") {
  // With filters that have no terms, and without: the set skips judging the filters one by one
  // when a text holds none of their gates, which only the second kind allows.
  for (const int min_grams : {0, 1}) {
    CAPTURE(min_grams);
    std::mt19937 random(12345);
    std::vector<MatchFilter> filters;
    MatchFilterSet set;
    // Enough grams for several tables of 64, some shared between filters.
    for (int i = 0; i < 60; ++i) {
      filters.push_back(random_filter(random, min_grams));
      if (i % 7 == 3) filters.back() = filters[static_cast<std::size_t>(i / 2)];
      set.add(filters.back());
    }
    REQUIRE(set.size() == filters.size());

    MatchFilterSet::Scan scan;
    std::size_t passed = 0;
    std::size_t ruled_out = 0;
    std::size_t texts_without_candidates = 0;
    for (int round = 0; round < 3000; ++round) {
      std::string text;
      const int length = std::uniform_int_distribution<int>(0, 12)(random);
      for (int i = 0; i < length; ++i) {
        text += "ab0.- xZ9"[std::uniform_int_distribution<int>(0, 8)(random)];
      }
      set.scan(text, scan);
      std::vector<std::size_t> expected_candidates;
      for (std::size_t f = 0; f < filters.size(); ++f) {
        const bool expected = filters[f].may_match(text);
        CAPTURE(text);
        CAPTURE(f);
        CHECK(set.may_match(f, text, scan) == expected);
        if (expected) expected_candidates.push_back(f);
        (expected ? passed : ruled_out) += 1;
      }
      CHECK(scan.candidates == expected_candidates);
      texts_without_candidates += expected_candidates.empty();
    }
    // Both answers occur often enough for the comparison to mean something.
    CHECK(passed > 10000);
    CHECK(ruled_out > 10000);
    if (min_grams > 0) CHECK(texts_without_candidates > 100);
  }
}

TEST_CASE("match filter set: grams at the very start and end of a text") {
  MatchFilter filter;
  Gram gram;
  gram.bytes.resize(3);
  gram.bytes[0].insert('x');
  gram.bytes[1].insert('y');
  gram.bytes[2].insert('z');
  filter.grams = {gram};
  filter.terms = {1};
  MatchFilterSet set;
  set.add(filter);
  MatchFilterSet::Scan scan;
  for (const char* text : {"xyz", "axyz", "xyza", "..xyz.."}) {
    set.scan(text, scan);
    CHECK(set.may_match(0, text, scan));
  }
  for (const char* text : {"", "x", "xy", "yz", "xzy", "xy z"}) {
    set.scan(text, scan);
    CHECK_FALSE(set.may_match(0, text, scan));
  }
}
