#include "support/ner/ticket_recognizer.hpp"

#include <doctest/doctest.h>

#include "support/recognizer_matches.hpp"

#include <string>
#include <vector>

namespace {

using sluice::nodes::ner::Span;
using sluice::nodes::ner::TicketRecognizer;
using Strings = std::vector<std::string>;

std::unique_ptr<TicketRecognizer> make(std::vector<std::string> prefixes = {"TICKET-"},
                                       std::size_t min_digits = 4) {
  auto r = TicketRecognizer::create(std::move(prefixes), min_digits);
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::vector<std::string> found(const TicketRecognizer& r, std::string_view text) {
  return sluice::testing::matched_texts(r, text);
}

}  // namespace

TEST_CASE("tickets: default prefix, 4+ digits, exact spans") {
  const auto r = make();
  const std::string text = "see TICKET-1234 and TICKET-5551234567.";
  std::vector<Span> spans;
  r->find(text, spans);
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].begin == 4);
  CHECK(spans[0].end == 15);
  CHECK(spans[1].begin == 20);
  CHECK(spans[1].end == 37);
  CHECK(found(*r, "TICKET-0001") == Strings{"TICKET-0001"});
  CHECK(found(*r, "TICKET-123").empty());
  CHECK(found(*r, "TICKET-").empty());
  CHECK(found(*r, "TICKET 1234").empty());
}

TEST_CASE("tickets: the prefix matches case-insensitively, the span is as written") {
  const auto r = make();
  CHECK(found(*r, "ticket-1234, Ticket-5678, tIcKeT-9999") ==
        Strings{"ticket-1234", "Ticket-5678", "tIcKeT-9999"});
}

TEST_CASE("tickets: word boundaries on both sides") {
  const auto r = make();
  for (const char* text :
       {"XTICKET-1234", "TICKET-1234X", "TICKET-1234_5", "_TICKET-1234", "9TICKET-1234",
        "ÄTICKET-1234", "TICKET-1234ä", "T-1234", "[TICKET-]1234", "TICKETS-1234"}) {
    CAPTURE(std::string(text));
    CHECK(found(*r, text).empty());
  }
  for (const char* text : {"(TICKET-1234)", "#TICKET-1234", "TICKET-1234.", "TICKET-1234-2",
                           "«TICKET-1234»", "id:TICKET-1234,", "\"TICKET-1234\""}) {
    CAPTURE(std::string(text));
    CHECK(found(*r, text) == Strings{"TICKET-1234"});
  }
}

TEST_CASE("tickets: configurable prefixes and minimum digits") {
  const auto r = make({"TICKET-", "INC-", "CASE#"});
  CHECK(r->prefixes() == Strings{"ticket-", "case#", "inc-"});
  CHECK(found(*r, "INC-0042 and case#98765 or TICKET-1111, not REINC-1234 nor INC1234") ==
        Strings{"INC-0042", "case#98765", "TICKET-1111"});
  // Longest configured prefix wins where several fit.
  const auto nested = make({"INC-", "SINC-"});
  CHECK(found(*nested, "SINC-1234") == Strings{"SINC-1234"});
  CHECK(found(*nested, "XINC-1234").empty());
  const auto short_ids = make({"T"}, 2);
  CHECK(found(*short_ids, "T12 T1 t99") == Strings{"T12", "t99"});
  // A prefix ending in a non-ASCII character ("Nº"): its bytes match exactly.
  const auto numero = make({"Nº"});
  CHECK(found(*numero, "nº1234 and Nº5678, not N°9999") == Strings{"nº1234", "Nº5678"});
}

TEST_CASE("tickets: configuration errors") {
  CHECK_FALSE(TicketRecognizer::create({}).ok());
  CHECK_FALSE(TicketRecognizer::create({""}).ok());
  CHECK_FALSE(TicketRecognizer::create({"TICKET-"}, 0).ok());
  CHECK_FALSE(TicketRecognizer::create({std::string("\xff-")}).ok());
  auto r = TicketRecognizer::create({"REL2"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == sluice::StatusCode::invalid_argument);
  CHECK(r.status().message().find("REL2") != std::string::npos);
}
