#include "support/ner/regex_recognizer.hpp"

#include <doctest/doctest.h>

#include "support/recognizer_matches.hpp"

#include <string>
#include <vector>

namespace {

using sluice::nodes::ner::RegexRecognizer;
using sluice::nodes::ner::Span;
using Strings = std::vector<std::string>;

std::unique_ptr<RegexRecognizer> make(std::string_view pattern, bool caseless = false) {
  RegexRecognizer::Options options;
  options.caseless = caseless;
  auto r = RegexRecognizer::create(pattern, options);
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::vector<std::string> found(const RegexRecognizer& r, std::string_view text) {
  return sluice::testing::matched_texts(r, text);
}

}  // namespace

TEST_CASE("regex: whole matches, left to right, exact spans") {
  const auto r = make(R"(\bORD-\d{6}\b)");
  const std::string text = "ORD-123456 and ORD-654321; not ORD-12345 or XORD-111111";
  std::vector<Span> spans;
  r->find(text, spans);
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].begin == 0);
  CHECK(spans[0].end == 10);
  CHECK(spans[1].begin == 15);
  CHECK(spans[1].end == 25);
  CHECK(r->pattern() == R"(\bORD-\d{6}\b)");
  // Capture groups do not change the span.
  CHECK(found(*make(R"(id=(\d+))"), "id=42 id=7") == Strings{"id=42", "id=7"});
  // Non-overlapping: "aaa" holds one "aa".
  CHECK(found(*make("aa"), "aaa") == Strings{"aa"});
}

TEST_CASE("regex: caseless option and UTF-8") {
  CHECK(found(*make("sku-[a-z]+"), "SKU-ab sku-cd").size() == 1);
  CHECK(found(*make("sku-[a-z]+", true), "SKU-AB sku-cd") == Strings{"SKU-AB", "sku-cd"});
  CHECK(found(*make(R"(café\d+)", true), "CAFÉ12 café3") == Strings{"CAFÉ12", "café3"});
  // \w is ASCII unless the entity asks for Unicode classes.
  CHECK(found(*make(R"(\w+@)"), "žluť@").empty());
  RegexRecognizer::Options unicode;
  unicode.unicode = true;
  CHECK(found(*RegexRecognizer::create(R"(\w+@)", unicode).value(), "žluť@") == Strings{"žluť@"});
  // Unicode case folding: K (KELVIN SIGN) folds to k.
  CHECK(found(*make("kx", true), "\u212Ax") == Strings{"\u212Ax"});
}

TEST_CASE("regex: compile errors carry the pattern offset") {
  auto r = RegexRecognizer::create("ab(cd");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == sluice::StatusCode::invalid_argument);
  CHECK(r.status().message().find("offset 5") != std::string::npos);
  auto bad_class = RegexRecognizer::create("x[z-a]");
  REQUIRE_FALSE(bad_class.ok());
  CHECK(bad_class.status().message().find("offset") != std::string::npos);
}

TEST_CASE("regex: a pattern that is not valid UTF-8 is an error, not a crash") {
  // Found by fuzzing: PCRE2 told to skip the check read past the pattern.
  using namespace std::string_literals;
  for (const std::string& pattern : {"\\\x01\x00\x0c\\bO0\x10\xff\xff\xff"s, "caf\xe9"s, "ab\xc3"s}) {
    CAPTURE(pattern);
    auto r = RegexRecognizer::create(pattern);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == sluice::StatusCode::invalid_argument);
    CHECK(r.status().message().find("UTF-8") != std::string::npos);
  }
}

TEST_CASE("regex: patterns that can match the empty string are rejected") {
  for (const char* pattern : {"x*", "a|", "\\b", "^", "$", "(?:abc)?", "(?<=a)", ""}) {
    CAPTURE(std::string(pattern));
    auto r = RegexRecognizer::create(pattern);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("empty string") != std::string::npos);
  }
  // Positive minimum length but only empty matches: accepted, never reports an empty span.
  const auto lookahead = make("(?=abc)");
  CHECK(found(*lookahead, "xxabcabc").empty());
  CHECK(found(*make(R"(ab\K)"), "abab").empty());
}

TEST_CASE("regex: match filter read from the pattern, or from PCRE2's facts") {
  // Read from the pattern (see match_filter_test.cpp): grams every match contains.
  const auto order = make(R"(\bORD-\d{6,}\b)");
  CHECK(order->filter().min_length == 10);
  CHECK_FALSE(order->filter().terms.empty());
  CHECK_FALSE(order->may_match("ORDER 123456"));
  CHECK_FALSE(order->may_match("ORD-12345"));
  CHECK(order->may_match("x ORD-123456"));

  // Syntax the analysis does not follow (a backreference): PCRE2's first byte and required byte.
  const auto repeated = make(R"(x(\d)\1-)");
  REQUIRE(repeated->filter().terms.size() == 1);
  CHECK(repeated->filter().grams.size() == 2);
  CHECK(repeated->may_match("x11-"));
  CHECK_FALSE(repeated->may_match("y11-"));
  CHECK_FALSE(repeated->may_match("x11"));
  // PCRE2 does not say whether its first byte is caseless: both cases pass.
  const auto caseless = make(R"(q(\d)\1)", true);
  CHECK(caseless->may_match("Q11"));
  CHECK(caseless->may_match("q11"));
  CHECK_FALSE(caseless->may_match("x11"));
}

TEST_CASE("regex: may_match never rules out a text that has a match") {
  const char* patterns[] = {R"(\bORD-\d{6,}\b)",
                            R"(\b[A-Z]{2}\d{3,4}\b)",
                            R"(v\d+(?:\.\d+)+)",
                            R"(sku-[a-z0-9]{3})",
                            R"(\bk\w+)",
                            R"(#\d{5,})",
                            R"(\$\d[\d,]*(?:\.\d{2})?)",
                            R"(ab|cd)",
                            R"(x(?i)sku)",
                            R"([A-Z]{2}[0-9]{2})",
                            R"(\w+@\w+)",
                            R"(a{2}b)",
                            R"(\d+:\d\d)",
                            R"([^a-z]{3})",
                            R"(é+x)"};
  const char* texts[] = {"ORD-123456",
                         "ord-123456",
                         "order ORD-12345",
                         "flight LH1234 today",
                         "lh1234",
                         "v3.10.12",
                         "SKU-ab1",
                         "ſku-ab1",
                         "\u212Aelvin",
                         "kelvin",
                         "#12345",
                         "$1,299.99",
                         "abcd",
                         "xSKU",
                         "xſku",
                         "AB12",
                         "ab12",
                         "user@example",
                         "aab",
                         "10:30",
                         "١٠:٣٠",
                         "ÉÉx",
                         "ééx",
                         "---",
                         ""};
  for (const char* pattern : patterns) {
    for (const bool caseless : {false, true}) {
      const auto r = make(pattern, caseless);
      for (const char* text : texts) {
        CAPTURE(std::string(pattern));
        CAPTURE(caseless);
        CAPTURE(std::string(text));
        if (!r->may_match(text)) CHECK(found(*r, text).empty());
      }
    }
  }
  CHECK_FALSE(make(R"(\bORD-\d{6,}\b)")->may_match("nothing here at all"));
  CHECK_FALSE(make(R"(\bORD-\d{6,}\b)")->may_match("ORDER 123456"));
  CHECK(make(R"(\bORD-\d{6,}\b)")->may_match("x ORD-123456"));
}
