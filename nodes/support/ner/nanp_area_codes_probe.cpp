#include "support/ner/nanp_area_codes_probe.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <bitset>
#include <cstdint>
#include <set>
#include <string>

namespace sluice::nodes::ner::nanp {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

bool valid_nanp_number(std::uint64_t national_number) {
  PhoneNumber number;
  number.set_country_code(1);
  number.set_national_number(national_number);
  return PhoneNumberUtil::GetInstance()->IsValidNumber(number);
}

// Area codes used by some NANP region's example numbers (any number type).
const std::bitset<1000>& example_area_codes() {
  static const std::bitset<1000> areas = [] {
    std::bitset<1000> used;
    const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
    std::set<std::string> regions;
    util->GetSupportedRegions(&regions);
    for (const std::string& region : regions) {
      if (!util->IsNANPACountry(region)) continue;
      for (int type = PhoneNumberUtil::FIXED_LINE; type < PhoneNumberUtil::UNKNOWN; ++type) {
        PhoneNumber example;
        if (util->GetExampleNumberForType(
                region, static_cast<PhoneNumberUtil::PhoneNumberType>(type), &example)) {
          const std::uint64_t area = example.national_number() / 10'000'000;
          if (area < 1000) used.set(area);
        }
      }
    }
    return used;
  }();
  return areas;
}

}  // namespace

Coverage probe_area_code(std::size_t area) {
  int valid = 0;
  for (std::uint64_t exchange_digit = 2; exchange_digit <= 9; ++exchange_digit) {
    valid += valid_nanp_number(area * 10'000'000 + exchange_digit * 1'000'000 + 234'567) ? 1 : 0;
  }
  if (valid == 8) return Coverage::all;
  if (valid == 0 && !example_area_codes().test(area)) return Coverage::none;
  return Coverage::some;
}

Coverage probe_exchange(std::size_t area, std::size_t exchange) {
  int valid = 0;
  for (std::uint64_t digit = 0; digit <= 9; ++digit) {
    valid += valid_nanp_number(area * 10'000'000 + exchange * 10'000 + digit * 1'111) ? 1 : 0;
  }
  return valid == 10 ? Coverage::all : valid == 0 ? Coverage::none : Coverage::some;
}

}  // namespace sluice::nodes::ner::nanp
