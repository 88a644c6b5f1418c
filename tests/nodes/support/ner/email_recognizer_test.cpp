#include "support/ner/email_recognizer.hpp"

#include <doctest/doctest.h>

#include "support/recognizer_matches.hpp"

#include <string>
#include <vector>

namespace {

using sluice::nodes::ner::EmailRecognizer;
using sluice::nodes::ner::Span;
using Strings = std::vector<std::string>;

std::vector<std::string> found(std::string_view text) {
  static const auto recognizer = std::move(EmailRecognizer::create()).value();
  return sluice::testing::matched_texts(*recognizer, text);
}

}  // namespace

TEST_CASE("emails: accepted forms") {
  for (const char* address :
       {"bob@example.com", "a.b+tag@mail.example.co.uk", "first_last@example.org",
        "user%relay@example.net", "x-y@sub-domain.example.io", "John.Doe@Example.COM", "a@b.co",
        "123@456.example.de"}) {
    CAPTURE(std::string(address));
    CHECK(found(address) == Strings{address});
    CHECK(found(std::string("write to ") + address + " today") == Strings{address});
  }
}

TEST_CASE("emails: exact spans, sentence punctuation is left out") {
  const std::string text = "mail me at a.b+tag@mail.example.co.uk.";
  std::vector<Span> spans;
  std::move(EmailRecognizer::create()).value()->find(text, spans);
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].begin == 11);
  CHECK(spans[0].end == text.size() - 1);
  CHECK(found("Is it bob@example.com?") == Strings{"bob@example.com"});
  CHECK(found("<bob@example.com>, (eve@example.org)") ==
        Strings{"bob@example.com", "eve@example.org"});
  CHECK(found("\"bob@example.com\"") == Strings{"bob@example.com"});
  CHECK(found("mailto:bob@example.com") == Strings{"bob@example.com"});
  CHECK(found("bob@example.com...") == Strings{"bob@example.com"});
  CHECK(found("see ...bob@example.com") == Strings{"bob@example.com"});
  CHECK(found("bob@example.com, eve@example.org;ann@example.net") ==
        Strings{"bob@example.com", "eve@example.org", "ann@example.net"});
  CHECK(found("Grüße an bob@example.com — danke") == Strings{"bob@example.com"});
}

TEST_CASE("emails: rejected forms") {
  for (const char* text : {"no at sign here",
                           "@example.com",
                           "bob@",
                           "bob@example",
                           "bob@example.c",
                           "bob@example.123",
                           "bob@.example.com",
                           "bob@example..com",
                           "bob@-example.com",
                           "bob@example-.com",
                           ".@example.com",
                           "bob.@example.com",
                           "bo..b@example.com",
                           "see...bob@example.com",
                           "bob@@example.com",
                           "a@b@example.com",
                           "josé@example.com",
                           "bob@exämple.com",
                           "bob@example.com_x",
                           "price 10 @ 5.99",
                           "@user mentioned",
                           "bob @ example.com",
                           "10:30@home"}) {
    CAPTURE(std::string(text));
    CHECK(found(text).empty());
  }
  // Local part of 64 bytes is fine, 65 is not.
  const std::string local64(64, 'a');
  CHECK(found(local64 + "@example.com") == Strings{local64 + "@example.com"});
  CHECK(found("x" + local64 + "@example.com").empty());
  // Labels up to 63 bytes.
  CHECK(found("a@" + std::string(63, 'b') + ".com").size() == 1);
  CHECK(found("a@" + std::string(64, 'b') + ".com").empty());
}
