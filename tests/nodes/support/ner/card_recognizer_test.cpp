#include "support/ner/card_recognizer.hpp"

#include <doctest/doctest.h>

#include "support/recognizer_matches.hpp"

#include <string>
#include <vector>

namespace {

using sluice::nodes::ner::CardRecognizer;
using sluice::nodes::ner::Span;
using Strings = std::vector<std::string>;

std::vector<std::string> found(std::string_view text) {
  static const auto recognizer = std::move(CardRecognizer::create()).value();
  return sluice::testing::matched_texts(*recognizer, text);
}

}  // namespace

TEST_CASE("cards: accepted layouts (all Luhn-valid test numbers)") {
  for (const char* card :
       {"4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "378282246310005",
        "3782 822463 10005", "3782-822463-10005", "5555 5555 5555 4444", "6011111111111117",
        "4222222222222", "4222 2222 2222 2", "3056 930902 5904", "6011 0009 9013 9424",
        "4000 0566 5566 5556 007"}) {
    CAPTURE(std::string(card));
    CHECK(found(card) == Strings{card});
    CHECK(found(std::string("card: ") + card + ", exp 12/26") == Strings{card});
  }
}

TEST_CASE("cards: exact spans and several cards in order") {
  const std::string text = "old 4111 1111 1111 1111 new 5555-5555-5555-4444.";
  std::vector<Span> spans;
  std::move(CardRecognizer::create()).value()->find(text, spans);
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].begin == 4);
  CHECK(spans[0].end == 23);
  CHECK(spans[1].begin == 28);
  CHECK(spans[1].end == 47);
}

TEST_CASE("cards: a card inside a longer space-grouped digit sequence") {
  CHECK(found("ref 12 4111 1111 1111 1111") == Strings{"4111 1111 1111 1111"});
  CHECK(found("4111 1111 1111 1111 2024") == Strings{"4111 1111 1111 1111"});
  CHECK(found("ref 12 4111-1111-1111-1111") == Strings{"4111-1111-1111-1111"});
  CHECK(found("06 70 49 58 84 and 4111 1111 1111 1111") == Strings{"4111 1111 1111 1111"});
}

TEST_CASE("cards: rejected") {
  for (const char* text : {"4111 1111 1111 1112",
                           "4111111111111112",
                           "4111-1111 1111-1111",
                           "4111  1111 1111 1111",
                           "x4111111111111111",
                           "4111111111111111x",
                           "ACC4111111111111111",
                           "+4111111111111111",
                           "#4111111111111111",
                           "$4111111111111111",
                           "4111111111111111.00",
                           "4111111111111111@x.org",
                           "TICKET-4111111111111111",
                           "4111-1111-1111-1111-5",
                           "12-4111-1111-1111-1111",
                           "411111111111",
                           "41111111111111111111",
                           "411 1111 1111 1111 1",
                           "41111 111 1111 1111",
                           "2024-05-12",
                           "12.05.2024",
                           "555-123-4567",
                           "+1 555 123 4567",
                           "+44 7911 123456",
                           "1234567890123",
                           "10:30",
                           "1,299.99",
                           "192.168.1.1",
                           "é4111111111111111"}) {
    CAPTURE(std::string(text));
    CHECK(found(text).empty());
  }
}
