#include "support/ner/date_recognizer.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sluice::nodes::ner {
namespace {

const DateRecognizer& recognizer() {
  static const std::unique_ptr<DateRecognizer> instance = [] {
    auto created = DateRecognizer::create();
    REQUIRE(created.ok());
    return std::move(created).value();
  }();
  return *instance;
}

std::vector<Span> spans_in(std::string_view text) {
  std::vector<Span> spans;
  recognizer().find(text, spans);
  return spans;
}

// The dates found in `text`, as written.
std::vector<std::string> dates_in(std::string_view text) {
  std::vector<std::string> dates;
  for (const Span& span : spans_in(text)) {
    dates.emplace_back(text.substr(span.begin, span.end - span.begin));
  }
  return dates;
}

using Dates = std::vector<std::string>;

// Each example must be found alone, with the exact span, and inside a sentence.
void check_accepted(std::initializer_list<std::string_view> examples) {
  for (std::string_view example : examples) {
    CAPTURE(example);
    CHECK(dates_in(example) == Dates{std::string(example)});
    const std::string sentence = "Booked for " + std::string(example) + ", thanks!";
    CHECK(dates_in(sentence) == Dates{std::string(example)});
  }
}

void check_rejected(std::initializer_list<std::string_view> texts) {
  for (std::string_view text : texts) {
    CAPTURE(text);
    CHECK(dates_in(text).empty());
  }
}

TEST_CASE("DateRecognizer: numeric dates") {
  check_accepted({"12/05/2024", "1-2-24", "2024-05-12", "12.05.2024", "2024/05/12", "1/2/2024",
                  "12-05-24", "12/05/24", "2024-5-1", "2024.05.12", "05-31-2024", "31/05/2024",
                  "1.1.2000", "31.12.1999", "01/01/1900", "31/12/2099"});
}

TEST_CASE("DateRecognizer: day-month and month-day order") {
  check_accepted({"31/12/2024", "12/31/2024", "13/01/2024", "01/13/2024"});
  check_rejected({"13/13/2024", "00/01/2024", "01/00/2024", "32/01/2024", "01/32/2024",
                  "2024-13-01", "2024-00-10", "2024-01-00", "2024-02-30"});
}

TEST_CASE("DateRecognizer: year rules") {
  // Dotted dates need a 4-digit year; 3-digit and 5-digit years never count.
  check_rejected({"12.05.24", "3.10.12", "12/05/202", "12/05/20245", "202-05-12",
                  "12/05/1899", "12/05/2100", "2100-01-01", "1899-12-31", "12 May 1899",
                  "May 12, 2100"});
}

TEST_CASE("DateRecognizer: leap years") {
  check_accepted({"29/02/2024", "2000-02-29", "02/29/2024", "29.02.1996", "29/02/24", "29-02-00",
                  "Feb 29, 2024", "29 février 2024", "29. Februar 2024", "29 de febrero de 2024"});
  check_rejected({"29/02/2023", "2023-02-29", "1900-02-29", "29.02.2100", "29/02/23",
                  "Feb 29, 2023", "29 de febrero de 2023", "30 février 2024", "31/04/2024",
                  "31 April 2024", "June 31, 2024", "31.09.2024", "31/11/2024", "31/02/2024"});
  check_accepted({"31/01/2024", "31/03/2024", "31/05/2024", "31/07/2024", "31/08/2024",
                  "31/10/2024", "31/12/2024", "30/04/2024"});
}

TEST_CASE("DateRecognizer: English month names") {
  check_accepted({"May 12, 2024", "May 12 2024", "12 May 2024", "12th of May 2024",
                  "March 3rd, 2024", "Sept. 5, 2024", "sept 5 2024", "SEPTEMBER 5, 2024",
                  "January 1, 2000", "Dec. 25, 1999", "1st January 2024", "22nd Feb 2024",
                  "2nd of june 2024", "12 May, 2024", "May 12th, 2024", "May 12,2024",
                  "Aug 31 2024", "12-May-2024", "12/May/2024", "oct. 1, 2024", "Nov 30, 2024",
                  "april 30 2024", "Jul 4, 1999"});
}

TEST_CASE("DateRecognizer: German month names") {
  check_accepted({"12. Mai 2024", "3. März 2024", "3. Maerz 2024", "3. MÄRZ 2024",
                  "1. Jänner 2024", "24. Dez. 2023", "5. Okt 2024", "12.Mai 2024", "1. Januar 2024",
                  "31. Oktober 2024", "17. Juni 2024", "3. mär. 2024", "9. Dezember 2024"});
  CHECK(dates_in("Termin am 12. Mai 2024 um 10:30") == Dates{"12. Mai 2024"});
}

TEST_CASE("DateRecognizer: French month names") {
  check_accepted({"12 mai 2024", "1er janvier 2024", "3 février 2024", "3 fevrier 2024",
                  "3 FÉVRIER 2024", "15 août 2024", "15 AOÛT 2024", "15 aout 2024",
                  "25 décembre 2024", "25 DÉCEMBRE 2024", "14 juil. 2024", "2 avr. 2024",
                  "7 juin 2024", "3 févr. 2024"});
  CHECK(dates_in("le 3 février 2024") == Dates{"3 février 2024"});
  // Non-breaking spaces, as French typography writes them.
  CHECK(dates_in("le 12\u00a0mai\u00a02024") == Dates{"12\u00a0mai\u00a02024"});
  CHECK(dates_in("le 12\u202fmai 2024") == Dates{"12\u202fmai 2024"});
}

TEST_CASE("DateRecognizer: Spanish month names") {
  check_accepted({"12 de mayo de 2024", "3 de septiembre del 2024", "1 de enero 2024",
                  "25 de diciembre de 2023", "7 de agosto de 2024", "12 mayo 2024",
                  "9 de setiembre de 2024", "1º de mayo de 2024", "30 de abril de 2024",
                  "3 DE MARZO DE 2024", "15 dic 2024"});
  CHECK(dates_in("el 3 de septiembre del 2024") == Dates{"3 de septiembre del 2024"});
}

TEST_CASE("DateRecognizer: invalid month-name dates") {
  check_rejected({"May 32, 2024", "0 May 2024", "00 May 2024", "31 de junio de 2024",
                  "May 012, 2024", "123 May 2024", "May 12, 24", "12 May 24"});
}

TEST_CASE("DateRecognizer: the word May and month words without a full date") {
  check_rejected({"you may go", "you may 2 go", "May 2024", "May 12", "12 May", "in may 12 people",
                  "mayo", "Marchand 12 2024", "dismay 12, 2024", "the 12 days of 2024",
                  "12 mayonnaise 2024", "12 Mais 2024", "12 Maiden 2024", "set 5, 2024"});
}

TEST_CASE("DateRecognizer: fractions, times, versions, addresses") {
  check_rejected({"3/4", "1/2", "add 1/2 cup", "10:30", "10:30:15", "at 10:30 tomorrow",
                  "3.10.12", "v1.2.3", "1.2.3.4", "python 3.10.12", "192.168.1.1", "10.0.0.12",
                  "10.12.2024.1", "1.12.05.2024", "ver 2.12.05.2024"});
}

TEST_CASE("DateRecognizer: prices, phones, ids, cards") {
  check_rejected({"$12.05", "12.05 EUR", "1,299.99", "555-123-4567", "(555) 123-4567",
                  "+44 20 7946 0958", "order #123456789", "ACC1234567890", "TICKET-20240512",
                  "TICKET-2024-05-12", "4111 1111 1111 1111", "4111-1111-1111-1111",
                  "06.12.34.56.78", "06-12-24-56-78", "12-05-2024-01"});
}

TEST_CASE("DateRecognizer: glued to letters or digits") {
  check_rejected({"x12/05/2024", "12/05/2024x", "2024-05-12abc", "12/05/20245", "112/05/2024",
                  "é12/05/2024", "12/05/2024é", "12.05.2024ü", "a12 May 2024", "12 May 2024b",
                  "12 May 20245", "xMay 12, 2024", "12/05/2024/7", "12/05/2024.5",
                  "12 May 2024.5", "12/05/2024_", "_12/05/2024", "3.12 May 2024",
                  "12 May 2024/5"});
  // A month-name date's year does not start another number: that number is the date.
  CHECK(dates_in("May 3 2024-05-12") == Dates{"2024-05-12"});
}

TEST_CASE("DateRecognizer: punctuation and text boundaries") {
  CHECK(dates_in("(12/05/2024)") == Dates{"12/05/2024"});
  CHECK(dates_in("on 12/05/2024.") == Dates{"12/05/2024"});
  CHECK(dates_in("[May 12, 2024]") == Dates{"May 12, 2024"});
  CHECK(dates_in("\"12 mai 2024\"") == Dates{"12 mai 2024"});
  CHECK(dates_in("date:12/05/2024;") == Dates{"12/05/2024"});
  CHECK(dates_in("12/05/2024?") == Dates{"12/05/2024"});
  CHECK(dates_in("12/05/2024.Thanks") == Dates{"12/05/2024"});
  CHECK(dates_in("Is it 2024-05-12?") == Dates{"2024-05-12"});
  CHECK(dates_in("It was 12 May 2024, right?") == Dates{"12 May 2024"});
}

TEST_CASE("DateRecognizer: non-ASCII text around") {
  CHECK(dates_in("«\u00a012 mai 2024\u00a0»") == Dates{"12 mai 2024"});
  CHECK(dates_in("→2024-05-12←") == Dates{"2024-05-12"});
  CHECK(dates_in("日期：2024-05-12。") == Dates{"2024-05-12"});
  CHECK(dates_in("Ünterschrift — 12.05.2024 — Müller") == Dates{"12.05.2024"});
  CHECK(dates_in("😀 May 12, 2024 😀") == Dates{"May 12, 2024"});
  CHECK(dates_in("Größe\u00a0May 12, 2024") == Dates{"May 12, 2024"});
  CHECK(dates_in("déjà 3 février 2024 à 10h") == Dates{"3 février 2024"});
}

TEST_CASE("DateRecognizer: exact spans") {
  const std::string_view text = "From 2024-05-12 to May 20, 2024 (le 1er juin 2024).";
  const std::vector<Span> spans = spans_in(text);
  REQUIRE(spans.size() == 3);
  CHECK(spans[0].begin == 5);
  CHECK(spans[0].end == 15);
  CHECK(spans[1].begin == 19);
  CHECK(spans[1].end == 31);
  CHECK(spans[2].begin == 36);
  CHECK(spans[2].end == 49);
  CHECK(text.substr(spans[2].begin, spans[2].end - spans[2].begin) == "1er juin 2024");

  const std::vector<Span> at_edges = spans_in("12/05/2024");
  REQUIRE(at_edges.size() == 1);
  CHECK(at_edges[0].begin == 0);
  CHECK(at_edges[0].end == 10);

  // Byte offsets, not character offsets.
  const std::vector<Span> after_accents = spans_in("éé 12.05.2024");
  REQUIRE(after_accents.size() == 1);
  CHECK(after_accents[0].begin == 5);
  CHECK(after_accents[0].end == 15);
}

TEST_CASE("DateRecognizer: several dates in one text, in order") {
  CHECK(dates_in("12/05/2024, 13/05/2024 and 2024-05-14") ==
        Dates{"12/05/2024", "13/05/2024", "2024-05-14"});
  CHECK(dates_in("Sept. 5, 2024 or 6 Sept 2024 or 2024/09/07 or 8. September 2024") ==
        Dates{"Sept. 5, 2024", "6 Sept 2024", "2024/09/07", "8. September 2024"});
  CHECK(dates_in("12 May 2024 May 13, 2024") == Dates{"12 May 2024", "May 13, 2024"});
  CHECK(dates_in("invalid 31/02/2024 then valid 28/02/2024") == Dates{"28/02/2024"});
  CHECK(dates_in("at 10:30 on 12/05/2024, ticket #123456, cost $12.05") == Dates{"12/05/2024"});
}

TEST_CASE("DateRecognizer: ranges and ISO date-times") {
  CHECK(dates_in("12.05.2024-15.05.2024") == Dates{"12.05.2024", "15.05.2024"});
  CHECK(dates_in("12/05/2024-15/05/2024") == Dates{"12/05/2024", "15/05/2024"});
  CHECK(dates_in("12/05/2024 - 15/05/2024") == Dates{"12/05/2024", "15/05/2024"});
  CHECK(dates_in("3-5 May 2024") == Dates{"5 May 2024"});
  CHECK(dates_in("2024-05-12T10:30:00Z") == Dates{"2024-05-12"});
  CHECK(dates_in("2024-05-12 10:30") == Dates{"2024-05-12"});
  check_rejected({"2024-05-12T", "2024-05-12Tx", "12-05-2024T10:30"});
}

TEST_CASE("DateRecognizer: any offset, long texts, long digit runs") {
  // Digits are found 64 bytes at a time: put dates and runs across every block boundary.
  for (std::size_t offset = 0; offset < 150; ++offset) {
    CAPTURE(offset);
    for (const std::string_view date : {"12/05/2024", "12 mai 2024", "May 12, 2024"}) {
      const std::string text = std::string(offset, 'a') + " " + std::string(date) + " " +
                               std::string(offset % 7, 'b');
      const std::vector<Span> spans = spans_in(text);
      REQUIRE(spans.size() == 1);
      CHECK(spans[0].begin == offset + 1);
      CHECK(spans[0].end == offset + 1 + date.size());
    }
    const std::string digits = std::string(offset, '7') + " 2024-05-12 " + std::string(offset, '8');
    CHECK(dates_in(digits) == Dates{"2024-05-12"});
    const std::string glued = std::string(offset + 1, '7') + "2024-05-12";
    CHECK(dates_in(glued).empty());
  }
  std::string many;
  Dates expected;
  for (int i = 1; i <= 28; ++i) {
    const std::string date = std::to_string(i) + "/02/2023";
    many += "day " + std::to_string(i) + " is " + date + "; ";
    expected.push_back(date);
  }
  CHECK(dates_in(many) == expected);
}

TEST_CASE("DateRecognizer: texts without dates") {
  check_rejected({"", "hello", "no digits here at all, just words like May and March",
                  "9", "12", "2024", "12 items for 2024"});
}

TEST_CASE("DateRecognizer: appends to the output") {
  std::vector<Span> spans{{1, 2}};
  recognizer().find("12/05/2024", spans);
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].begin == 1);
  CHECK(spans[1].end == 10);
}

TEST_CASE("DateRecognizer: find from many threads") {
  const std::string text = "Meet on 12 mai 2024 or May 13, 2024 at 10:30, ref 12.05.2024.";
  const std::vector<Span> expected = spans_in(text);
  REQUIRE(expected.size() == 3);
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < mismatches.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        std::vector<Span> spans;
        recognizer().find(text, spans);
        bool same = spans.size() == expected.size();
        for (std::size_t k = 0; same && k < spans.size(); ++k) {
          same = spans[k].begin == expected[k].begin && spans[k].end == expected[k].end;
        }
        if (!same) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : mismatches) CHECK(count == 0);
}

}  // namespace
}  // namespace sluice::nodes::ner
