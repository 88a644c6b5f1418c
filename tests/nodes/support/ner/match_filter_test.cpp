#include "support/ner/match_filter.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "support/ner_pattern_samples.hpp"
#include "support/regex.hpp"

namespace {

using sluice::nodes::Regex;
using sluice::nodes::ner::ByteSet;
using sluice::nodes::ner::Gram;
using sluice::nodes::ner::MatchFilter;
using sluice::nodes::ner::read_match_filter;
using sluice::testing::kHeavyPatterns;
using sluice::testing::matching_texts;
using sluice::testing::Pattern;
using sluice::testing::TextGenerator;

Regex compile(const Pattern& p) {
  Regex::Options options;
  options.caseless = p.caseless;
  options.unicode_classes = p.unicode;
  auto regex = Regex::compile(p.text, options);
  REQUIRE(regex.ok());
  return std::move(regex).value();
}

MatchFilter filter_of(const Pattern& p) {
  auto filter = read_match_filter(p.text, p.caseless, p.unicode);
  REQUIRE(filter.has_value());
  return *filter;
}

std::string utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// Patterns that stress the analysis: alternations, optional and repeated parts, caseless
// matching (inline too), lookarounds, \K, atomic groups, lazy and possessive quantifiers,
// escapes, non-ASCII literals and classes, Unicode classes.
const Pattern kNastyPatterns[] = {
    {"ab|cd"},
    {"(?:x|yz)+w"},
    {"colou?r"},
    {R"((?i)sku-\d+)"},
    {"x(?i)sku"},
    {"a(?i:k)x"},
    {"a(?i)b|c"},
    {"kelvin", true},
    {"[ks]\\d", true},
    {"[a-z]{2}\\d", true},
    {R"((?<=\$)\d+)"},
    {R"((?<!\d)\d{3}(?!\d))"},
    {R"(\d+(?= ?€))"},
    {R"(a\Kb\d)"},
    {"(?>ab|a)c"},
    {"a++b"},
    {"a{2,3}?b"},
    {"x{3}y{0}z"},
    {R"(\bORD\b)", true},
    {"é+x"},
    {"é+x", true},
    {"[é-ë]\\d"},
    {"[^a-z]{3}"},
    {".x."},
    {R"(\x41\x{42}C)"},
    {R"(\x{20AC}\d)"},
    {R"([\x{20AC}$]\d)"},
    {R"(\s\d\s)"},
    {R"(\w+@\w+\.com)"},
    {"(a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r)Z"},
    {"(?:foo|bar|baz|qux|quux|corge|grault|garply|waldo|fred|plugh|xyzzy|thud)\\d"},
    {"(?:ab|cd|ef|gh|ij){2,3}"},
    {"[[:digit:]]+x"},
    {R"(\p{Lu}\d)"},
    {R"(\d{2,})"},
    {"(?|(a)|(b))c"},
    {"(?<name>ab)c"},
    {"(?P<n>ab)c"},
    {"(?'n'ab)c"},
    {R"(\N\d)"},
    {R"(\R\d)"},
    {R"(\h\d)"},
    {R"([\d-]+x)"},
    {R"([\]\-^]\d)"},
    {"[]a]b"},
    {R"(\b\d{5}\b)", false, true},
    {R"(\w{3}\d)", false, true},
    {R"(\s\d)", false, true},
    {"straße", true},
    {"\u017Fx", true},
    {"\u212Ax", true},
    {R"(ACC\d{10}|ORD-\d{8}|#\d{8})"},
    {R"((?:\d{1,3}\.){3}\d{1,3})"},
    {R"(\$\d[\d,]*(?:\.\d{2})?)"},
    {R"(v\d+(?:\.\d+)+)", true},
};

// For every text: when PCRE2 finds a match, the filter must not rule the text out.
void check_never_rules_out_a_match(const Pattern& pattern, const std::vector<std::string>& texts,
                                   std::size_t& matched) {
  const Regex regex = compile(pattern);
  auto filter = read_match_filter(pattern.text, pattern.caseless, pattern.unicode);
  if (!filter) return;  // not analysed: RegexRecognizer falls back on PCRE2's own facts
  filter->min_length = regex.facts().min_length;
  for (const std::string& text : texts) {
    if (!regex.matches(text)) continue;
    ++matched;
    if (!filter->may_match(text)) {
      CAPTURE(std::string(pattern.text));
      CAPTURE(pattern.caseless);
      CAPTURE(pattern.unicode);
      CAPTURE(text);
      FAIL("the filter rules out a text that has a match");
    }
  }
}

}  // namespace

TEST_CASE("match filter: never rules out a text that PCRE2 matches") {
  TextGenerator generator(20240601);
  std::vector<std::string> texts;
  for (int i = 0; i < 4000; ++i) texts.push_back(generator.next());
  for (std::string& text : matching_texts(7)) texts.push_back(std::move(text));

  std::size_t matched = 0;
  for (const Pattern& pattern : kHeavyPatterns) {
    for (const bool caseless : {false, true}) {
      check_never_rules_out_a_match({pattern.text, caseless || pattern.caseless, false}, texts,
                                    matched);
      check_never_rules_out_a_match({pattern.text, caseless || pattern.caseless, true}, texts,
                                    matched);
    }
  }
  for (const Pattern& pattern : kNastyPatterns) {
    check_never_rules_out_a_match(pattern, texts, matched);
    check_never_rules_out_a_match({pattern.text, !pattern.caseless, pattern.unicode}, texts,
                                  matched);
  }
  // The check means something only if many texts do match.
  CHECK(matched > 20000);
}

TEST_CASE("match filter: the character classes it assumes are the ones PCRE2 uses") {
  // Every code point in the Basic Multilingual Plane and a few beyond, between two '#' (a rare
  // byte, so that the filters have grams to test): whatever PCRE2 matches, the filter must let
  // through. This pins down the UTF-8 facts the analysis relies on (ASCII-only \d \w \s, the
  // caseless partners of ASCII letters).
  std::vector<std::string> texts;
  for (char32_t cp = 1; cp < 0x10000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    texts.push_back("#" + utf8(cp) + "#");
  }
  for (const char32_t cp : {0x1D7CE, 0x1F600, 0x10400, 0x10428, 0x1E900}) {
    texts.push_back("#" + utf8(cp) + "#");
  }

  std::vector<std::string> sources = {R"(#\d#)", R"(#\w#)", R"(#\s#)", "#[a-z]#"};
  for (char c = 0x20; c < 0x7F; ++c) {
    if (c == '#') continue;
    const bool special = std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos;
    const std::string literal = special ? "\\" + std::string(1, c) : std::string(1, c);
    sources.push_back("#" + literal + "#");
    sources.push_back("#[" + literal + "]#");
  }
  std::size_t matched = 0;
  for (const std::string& source : sources) {
    for (const bool caseless : {false, true}) {
      const Pattern pattern{source.c_str(), caseless};
      REQUIRE_FALSE(filter_of(pattern).terms.empty());
      check_never_rules_out_a_match(pattern, texts, matched);
    }
  }
  CHECK(matched > 300);
}

TEST_CASE("match filter: grams of the heavy profile's patterns") {
  // A few texts each filter must rule out: the point of the analysis.
  const MatchFilter zip = filter_of({R"(\b\d{5}-\d{4}\b)"});
  CHECK_FALSE(zip.may_match("call 12345 6789"));
  CHECK_FALSE(zip.may_match("on 5-2024"));
  CHECK(zip.may_match("zip 12345-6789"));

  const MatchFilter order = filter_of({R"((?:#|\bORD-?)\d{8,10}\b)"});
  CHECK_FALSE(order.may_match("order #1, ord 12345678"));
  CHECK(order.may_match("#12345678"));
  CHECK(order.may_match("ORD12345678"));
  CHECK(order.may_match("ORD-12345678"));

  const MatchFilter ipv4 = filter_of(kHeavyPatterns[6]);
  CHECK_FALSE(ipv4.may_match("at 10:30, 1,5 l"));
  CHECK(ipv4.may_match("from 10.0.0.1"));

  const MatchFilter amount = filter_of(kHeavyPatterns[7]);
  CHECK_FALSE(amount.may_match("12.50 dollars"));
  CHECK(amount.may_match("$12"));
  CHECK(amount.may_match("£12"));
  CHECK(amount.may_match("12,50 €"));

  const MatchFilter version = filter_of({R"(\bv(?:ersion)? ?\d+\.\d+(?:\.\d+)?\b)", true});
  CHECK_FALSE(version.may_match("version 6"));
  CHECK_FALSE(version.may_match("v. 6.1"));
  CHECK(version.may_match("VERSION 6.1"));
  CHECK(version.may_match("v6.1.30"));

  // Caseless s also matches LONG S, k KELVIN SIGN: those texts pass.
  const MatchFilter case_number = filter_of({R"(\bcase[ #:-]{0,2}\d{6,8}\b)", true});
  CHECK(case_number.may_match("CA\u017FE 1234567"));
  CHECK_FALSE(case_number.may_match("in case of 12 items"));
}

TEST_CASE("match filter: the OR of ANDs") {
  // Alternatives each give their own term.
  const MatchFilter either = filter_of({"ACC|ORD"});
  CHECK(either.terms.size() == 2);
  CHECK(either.may_match("xACC"));
  CHECK(either.may_match("ORDx"));
  CHECK_FALSE(either.may_match("AC ORx"));
  // A part that can match anything (or nothing) gives no grams.
  const MatchFilter loose = filter_of({"a?.b?"});
  CHECK(loose.terms.empty());
  CHECK(loose.may_match(""));
  // Grams straddle consecutive parts: "x" then an optional "-" then a digit.
  const MatchFilter straddle = filter_of({R"(x-?\d)"});
  CHECK_FALSE(straddle.may_match("x-y 1"));
  CHECK(straddle.may_match("x-1"));
  CHECK(straddle.may_match("x1"));
  // Many alternatives are merged byte by byte rather than dropped.
  const MatchFilter many =
      filter_of({"(?:foo|bar|baz|qux|quux|corge|grault|garply|waldo|fred|plugh|xyzzy|thud)\\d"});
  CHECK_FALSE(many.terms.empty());
  CHECK_FALSE(many.may_match("1234"));
  CHECK(many.grams.size() <= MatchFilter::kMaxGrams);
}

TEST_CASE("match filter: long patterns keep a bounded filter") {
  // One condition per character would make the OR of ANDs grow with the pattern.
  std::string long_literal;
  for (int i = 0; i < 400; ++i) long_literal += static_cast<char>('a' + i % 26);
  long_literal += "#1";
  const MatchFilter filter = filter_of({long_literal.c_str()});
  CHECK(filter.grams.size() <= MatchFilter::kMaxGrams);
  CHECK(filter.may_match(long_literal));
  CHECK_FALSE(filter.may_match(long_literal.substr(0, 390)));
}

TEST_CASE("match filter: syntax the analysis does not follow") {
  for (const char* pattern :
       {R"(\Qa.b\E)", "(?x) a b", R"((a)\1)", R"((?<n>a)\k<n>)", "(?R)?x", "(?(1)a|b)", "(*UTF)x",
        "(?#note)x", "a{,3}", "x{", R"(\101)", R"(\cA)", "(?C1)x", R"(\o{101})"}) {
    CAPTURE(std::string(pattern));
    CHECK_FALSE(read_match_filter(pattern, false, false).has_value());
  }
  // Zero-width items and options it does follow.
  for (const char* pattern : {R"(\bab\B)", "^ab$", R"(\Aab\z)", "(?=a)ab", "(?<!x)ab", "(?m)ab",
                              "(?s:ab)", "(?-i)ab", "(?U)ab+", "(?J)ab", R"(\Kab)"}) {
    CAPTURE(std::string(pattern));
    const auto filter = read_match_filter(pattern, false, false);
    REQUIRE(filter.has_value());
    CHECK_FALSE(filter->may_match("ba"));
    CHECK(filter->may_match("ab"));
  }
}

TEST_CASE("match filter: a gram occurs where all its byte sets match in a row") {
  Gram gram;
  gram.bytes.resize(2);
  gram.bytes[0].insert_range('0', '9');
  gram.bytes[1].insert('.');
  CHECK(gram.occurs_in("v1."));
  CHECK(gram.occurs_in("1."));
  CHECK_FALSE(gram.occurs_in("1"));
  CHECK_FALSE(gram.occurs_in(".1"));
  CHECK_FALSE(gram.occurs_in(""));
  ByteSet digits;
  digits.insert_range('0', '9');
  CHECK(digits.is_subset_of(gram.bytes[0]));
  CHECK_FALSE(gram.bytes[1].is_subset_of(digits));
}
