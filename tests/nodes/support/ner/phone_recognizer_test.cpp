#include "support/ner/phone_recognizer.hpp"

#include <doctest/doctest.h>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include "support/recognizer_matches.hpp"

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using sluice::nodes::ner::PhoneRecognizer;
using sluice::nodes::ner::Span;

std::unique_ptr<PhoneRecognizer> make(std::string_view region = "US") {
  auto r = PhoneRecognizer::create(region);
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::vector<std::string> found(const PhoneRecognizer& r, std::string_view text) {
  return sluice::testing::matched_texts(r, text);
}

using Strings = std::vector<std::string>;

// libphonenumber's own verdict on a 10-digit NANP national number.
bool nanp_valid(std::uint64_t national) {
  i18n::phonenumbers::PhoneNumber number;
  number.set_country_code(1);
  number.set_national_number(national);
  return i18n::phonenumbers::PhoneNumberUtil::GetInstance()->IsValidNumber(number);
}

}  // namespace

TEST_CASE("phones: NANP layouts in the default US region") {
  const auto r = make();
  for (const char* number :
       {"555-123-4567", "555.123.4567", "(555) 123-4567", "(555)123-4567", "555 123 4567",
        "1-800-555-1234", "1 (555) 123-4567", "(555) 123 4567"}) {
    CAPTURE(std::string(number));
    CHECK(found(*r, number) == Strings{number});
    CHECK(found(*r, std::string("call ") + number + ", thanks") == Strings{number});
  }
}

TEST_CASE("phones: international numbers") {
  const auto r = make();
  for (const char* number :
       {"+1 555 123 4567", "+1-555-123-4567", "+1 (555) 123-4567", "+1.555.123.4567",
        "+15551234567", "+44 20 7946 0958", "+49 30 1234567", "+33 1 23 45 67 89", "+442079460958",
        "+44 (0)20 7946 0958", "+39 06 1234 5678", "+44 7911 123456", "+49-30-1234567"}) {
    CAPTURE(std::string(number));
    CHECK(found(*r, number) == Strings{number});
    CHECK(found(*r, std::string("Tel: ") + number + ".") == Strings{number});
  }
}

TEST_CASE("phones: exact spans and several numbers in order") {
  const auto r = make();
  const std::string text = "Call (555) 123-4567 or +44 20 7946 0958; fax 555.987.6543.";
  std::vector<Span> spans;
  r->find(text, spans);
  REQUIRE(spans.size() == 3);
  CHECK(spans[0].begin == 5);
  CHECK(spans[0].end == 19);
  CHECK(spans[1].begin == 23);
  CHECK(spans[1].end == 39);
  CHECK(text.substr(spans[2].begin, spans[2].end - spans[2].begin) == "555.987.6543");
  CHECK(found(*r, "555-123-4567,555-987-6543") == Strings{"555-123-4567", "555-987-6543"});
  CHECK(found(*r, "+442079460958 +44 (0)20 7946 0958 1-800-555-1234") ==
        Strings{"+442079460958", "+44 (0)20 7946 0958", "1-800-555-1234"});
}

TEST_CASE("phones: validation rule - possible for evident shapes, valid for bare runs") {
  const auto r = make();
  // 555 numbers are fictional: IsValidNumber rejects them, the shapes above still report them.
  CHECK(found(*r, "555-123-4567") == Strings{"555-123-4567"});
  CHECK(found(*r, "5551234567").empty());
  CHECK(found(*r, "call 2125551234 now") == Strings{"2125551234"});
  CHECK(found(*r, "call 12125551234 now") == Strings{"12125551234"});
  // A 7-digit number is only possible locally; not enough.
  CHECK(found(*r, "555-1234").empty());
  CHECK(found(*r, "+1 555 1234").empty());
  // Wrong lengths for the country.
  CHECK(found(*r, "+44 20 7946 09581234").empty());
  CHECK(found(*r, "+1 555 123 45678").empty());
  // Unknown calling code.
  CHECK(found(*r, "+999 123 456 789").empty());
}

TEST_CASE("phones: the possible-length table agrees with libphonenumber") {
  const auto r = make();
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  std::set<int> codes;
  util->GetSupportedCallingCodes(&codes);
  std::uint64_t state = 12345;
  const auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  int checked = 0;
  for (const int code : codes) {
    for (int trial = 0; trial < 4; ++trial) {
      const std::size_t length = 4 + next() % 12;
      std::string national(1, static_cast<char>('1' + next() % 9));
      while (national.size() < length) national.push_back(static_cast<char>('0' + next() % 10));
      PhoneNumber number;
      number.set_country_code(code);
      number.set_national_number(std::stoull(national));
      const bool expected =
          util->IsPossibleNumberWithReason(number) == PhoneNumberUtil::IS_POSSIBLE;
      const std::string text = "+" + std::to_string(code) + national;
      CAPTURE(std::string(text));
      CHECK((found(*r, text) == Strings{text}) == expected);
      ++checked;
    }
  }
  CHECK(checked > 800);
}

TEST_CASE("phones: bare NANP runs follow IsValidNumber (tabulated by area code)") {
  const auto r = make();
  std::uint64_t state = 7;
  int checked = 0;
  int valid = 0;
  int disagree = 0;
  while (checked < 4000) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::uint64_t national = 2000000000ULL + (state >> 20) % 8000000000ULL;
    const bool expected = nanp_valid(national);
    const std::string text = "call " + std::to_string(national) + " now";
    const bool got = found(*r, text) == Strings{std::to_string(national)};
    valid += expected ? 1 : 0;
    disagree += expected != got ? 1 : 0;
    ++checked;
  }
  CHECK(valid > 1000);
  CHECK(disagree <= 8);  // about 0.05% expected (sub-ranges of a few area codes)
  // Area codes 555 and 123 are not in use; 212 is.
  CHECK(found(*r, "5552345678").empty());
  CHECK(found(*r, "1232345678").empty());
  CHECK(found(*r, "2122345678") == Strings{"2122345678"});
  CHECK(found(*r, "2121345678").empty());  // exchange starting with 1
}

TEST_CASE("phones: bare runs in partly used NANP area codes follow IsValidNumber exactly") {
  const auto r = make();
  // Caribbean and Pacific area codes, where validity depends on the exchange (and in 246 on the
  // line, too); the rest of the NANP is judged by the area code alone.
  std::uint64_t state = 11;
  int valid = 0;
  for (const std::uint64_t area : {242, 246, 441, 671, 868}) {
    for (int trial = 0; trial < 400; ++trial) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      const std::uint64_t national = area * 10'000'000 + 2'000'000 + (state >> 20) % 8'000'000;
      const bool expected = nanp_valid(national);
      const std::string text = std::to_string(national);
      CAPTURE(text);
      CHECK((found(*r, "call " + text + " now") == Strings{text}) == expected);
      valid += expected ? 1 : 0;
    }
  }
  CHECK(valid > 200);
  // 246 splits exchanges 521 and 522 by the line's first digit (the library is asked there).
  for (const char* line : {"5210123", "5212123", "5213123", "5220123", "5221123"}) {
    const std::string text = std::string("246") + line;
    CAPTURE(text);
    CHECK((found(*r, text) == Strings{text}) == nanp_valid(std::stoull(text)));
  }
}

TEST_CASE("phones: distractors are not phones") {
  const auto r = make();
  for (const char* text : {"order #123456789",
                           "order #5551234567",
                           "ACC1234567890",
                           "acct5551234567",
                           "x555-123-4567",
                           "555-123-4567x",
                           "card 4111 1111 1111 1111",
                           "card 4111111111111111",
                           "378282246310005",
                           "2024-05-12",
                           "12.05.2024",
                           "05/12/2024",
                           "10:30",
                           "at 10:30:15",
                           "1,299.99",
                           "$1,299.99",
                           "3.10.12",
                           "v3.10.12",
                           "192.168.1.1",
                           "10.0.0.1",
                           "TICKET-5551234567",
                           "1234567890123",
                           "555-123-4567-89",
                           "555.123.4567.8",
                           "555-123-4567:30",
                           "12 555 123 4567",
                           "555 123 4567 89",
                           "555-123.4567",
                           "$555-123-4567",
                           "/555-123-4567",
                           "1+555-123-4567",
                           "5551234567@example.com",
                           "é555-123-4567",
                           "555-123-4567é",
                           "555 1234 567",
                           "55-5123-4567"}) {
    CAPTURE(std::string(text));
    CHECK(found(*r, text).empty());
  }
}

TEST_CASE("phones: boundaries with punctuation and other scripts") {
  const auto r = make();
  CHECK(found(*r, "(555-123-4567)") == Strings{"555-123-4567"});
  CHECK(found(*r, "tel:555-123-4567") == Strings{"555-123-4567"});
  CHECK(found(*r, "«555-123-4567»") == Strings{"555-123-4567"});
  CHECK(found(*r, "📞555-123-4567") == Strings{"555-123-4567"});
  CHECK(found(*r, "Телефон: +49 30 1234567, спасибо") == Strings{"+49 30 1234567"});
  // A delimited number may be followed by a space and unrelated digits.
  CHECK(found(*r, "555-123-4567 2 times") == Strings{"555-123-4567"});
  CHECK(found(*r, "+44 20 7946 0958 2 times") == Strings{"+44 20 7946 0958"});
  CHECK(found(*r, "+49 30 1234567 24/7") == Strings{"+49 30 1234567"});
  // When trailing space-separated digits leave several possible readings, the longest valid one
  // wins (Italian numbers keep their leading zero).
  CHECK(found(*r, "+49 171 1234567 89 times") == Strings{"+49 171 1234567"});
  CHECK(found(*r, "+39 06 1234 5678 90") == Strings{"+39 06 1234 5678"});
}

TEST_CASE("phones: other default regions read national numbers with their trunk prefix") {
  const auto de = make("de");
  CHECK(de->default_region() == "DE");
  for (const char* number : {"030 1234567", "030/1234567", "(030) 1234567", "0171 1234567",
                             "+49 30 1234567", "+1 555 123 4567"}) {
    CAPTURE(std::string(number));
    CHECK(found(*de, std::string("Ruf an: ") + number) == Strings{number});
  }
  for (const char* text : {"12.05.2024", "05.12.2024", "555-123-4567", "30 1234567", "0.10.12"}) {
    CAPTURE(std::string(text));
    CHECK(found(*de, text).empty());
  }
  const auto gb = make("GB");
  CHECK(found(*gb, "ring 020 7946 0958") == Strings{"020 7946 0958"});
}

TEST_CASE("phones: unknown regions are rejected") {
  auto r = PhoneRecognizer::create("XX");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == sluice::StatusCode::invalid_argument);
  CHECK(r.status().message().find("XX") != std::string::npos);
  CHECK_FALSE(PhoneRecognizer::create("").ok());
}

TEST_CASE("phones: find with precomputed digit runs matches find") {
  const auto r = make();
  const std::string text = "a 555-123-4567 b +44 20 7946 0958 c 10:30";
  std::vector<Span> runs;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] < '0' || text[i] > '9') {
      ++i;
      continue;
    }
    const std::size_t b = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    runs.push_back({b, i});
  }
  std::vector<Span> a;
  std::vector<Span> b;
  r->find(text, a);
  r->find(text, runs, b);
  REQUIRE(a.size() == 2);
  REQUIRE(b.size() == 2);
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].begin == b[i].begin);
    CHECK(a[i].end == b[i].end);
  }
}

TEST_CASE("phones: preload_metadata loads libphonenumber's metadata in the background") {
  // Only the helper thread started by preload_metadata() sets the flag; create() starts nothing.
  const auto r = make();
  CHECK_FALSE(PhoneRecognizer::metadata_loaded());
  PhoneRecognizer::preload_metadata();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!PhoneRecognizer::metadata_loaded() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(PhoneRecognizer::metadata_loaded());
  // The recognizer works the same once it has loaded.
  CHECK(found(*r, "call +44 20 7946 0958") == Strings{"+44 20 7946 0958"});
}
