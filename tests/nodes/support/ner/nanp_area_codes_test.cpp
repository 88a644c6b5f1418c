#include "support/ner/nanp_area_codes.hpp"

#include <doctest/doctest.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <cstdint>
#include <string>

#include "support/ner/nanp_area_codes_probe.hpp"

namespace {

namespace nanp = sluice::nodes::ner::nanp;
using nanp::Coverage;

std::string name(Coverage coverage) {
  switch (coverage) {
    case Coverage::none:
      return "none";
    case Coverage::some:
      return "some";
    case Coverage::all:
      return "all";
  }
  return "?";
}

bool valid_nanp_number(std::uint64_t national_number) {
  i18n::phonenumbers::PhoneNumber number;
  number.set_country_code(1);
  number.set_national_number(national_number);
  return i18n::phonenumbers::PhoneNumberUtil::GetInstance()->IsValidNumber(number);
}

}  // namespace

// The tables are generated when the program is built; a libphonenumber whose data changed since
// (an upgraded shared library, or a generator that no longer runs) makes these fail.
TEST_CASE("nanp area codes: the area-code table equals the library's probes") {
  REQUIRE(nanp::kAreaCodeTable.size() == 1000);
  int counts[3] = {};
  for (std::size_t area = 0; area < 1000; ++area) {
    const Coverage table = nanp::area_code_coverage(area);
    const Coverage probed = area < 200 ? Coverage::none : nanp::probe_area_code(area);
    CAPTURE(area);
    CHECK(name(table) == name(probed));
    ++counts[static_cast<int>(table)];
  }
  // In libphonenumber 8.12: 365 unused, 21 partly used, 414 fully used area codes among 200-999.
  CHECK(counts[static_cast<int>(Coverage::all)] > 300);
  CHECK(counts[static_cast<int>(Coverage::some)] > 5);
  CHECK(nanp::area_code_coverage(212) == Coverage::all);   // New York
  CHECK(nanp::area_code_coverage(123) == Coverage::none);  // not an area code
  CHECK(nanp::area_code_coverage(242) == Coverage::some);  // the Bahamas
}

TEST_CASE("nanp area codes: the exchange tables cover exactly the partly used area codes") {
  std::size_t listed = 0;
  unsigned previous = 0;
  for (const nanp::PartlyUsedAreaCode& partly : nanp::kPartlyUsedAreaCodes) {
    CAPTURE(partly.area);
    CHECK(partly.area > previous);
    previous = partly.area;
    CHECK(nanp::area_code_coverage(partly.area) == Coverage::some);
    REQUIRE(partly.exchanges.size() == 1000);
    ++listed;
  }
  std::size_t some = 0;
  for (std::size_t area = 0; area < 1000; ++area) {
    some += nanp::area_code_coverage(area) == Coverage::some ? 1 : 0;
  }
  CHECK(listed == some);
  // An area code without an exchange table says nothing about its exchanges.
  CHECK(nanp::exchange_coverage(212, 555) == Coverage::some);
}

TEST_CASE("nanp area codes: the exchange tables equal the library's probes") {
  for (const nanp::PartlyUsedAreaCode& partly : nanp::kPartlyUsedAreaCodes) {
    for (std::size_t exchange = 200; exchange < 1000; ++exchange) {
      const Coverage table = nanp::exchange_coverage(partly.area, exchange);
      const Coverage probed = nanp::probe_exchange(partly.area, exchange);
      if (table != probed) {
        CAPTURE(partly.area);
        CAPTURE(exchange);
        CHECK(name(table) == name(probed));
      }
    }
  }
}

// The recognizer trusts an exchange's `none` and `all` for every line number, as IsValidNumber
// would answer; the probes saw ten lines per exchange. Other lines of every exchange, chosen at
// random, must agree.
TEST_CASE("nanp area codes: exchange coverage holds for other line numbers") {
  std::uint64_t state = 2024;
  int checked = 0;
  int valid = 0;
  for (const nanp::PartlyUsedAreaCode& partly : nanp::kPartlyUsedAreaCodes) {
    for (std::size_t exchange = 200; exchange < 1000; ++exchange) {
      const Coverage coverage = nanp::exchange_coverage(partly.area, exchange);
      if (coverage == Coverage::some) continue;
      for (int trial = 0; trial < 3; ++trial) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        const std::uint64_t line = (state >> 33) % 10'000;
        const std::uint64_t national = partly.area * 10'000'000ULL + exchange * 10'000 + line;
        const bool expected = valid_nanp_number(national);
        if (expected != (coverage == Coverage::all)) {
          CAPTURE(national);
          CHECK(expected == (coverage == Coverage::all));
        }
        valid += expected ? 1 : 0;
        ++checked;
      }
    }
  }
  CHECK(checked > 10'000);
  CHECK(valid > 1'000);
}
