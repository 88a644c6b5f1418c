#pragma once
/// How libphonenumber's IsValidNumber treats 10-digit NANP national numbers NXX-NXX-XXXX,
/// summarised per area code and, in the few area codes only partly in use, per exchange (the
/// subscriber number's first three digits).
///
/// IsValidNumber on a NANP number runs ICU regexes for up to 25 regions (tens of microseconds
/// when the number is invalid), yet its answer is decided by the area code for almost every
/// number, and by the exchange for nearly all the rest. So the answers are tabulated once, at build
/// time, by phone_tables_gen (which runs nanp_area_codes_probe.hpp's probes against the
/// libphonenumber the build links), and the recognizer calls the library only for the blocks the
/// tables mark Coverage::some. A test recomputes the tables with the library.

#include <cstddef>
#include <span>
#include <string_view>

namespace sluice::nodes::ner::nanp {

/// How many of a block's numbers (an area code's, or an exchange's within one) IsValidNumber
/// accepts, as the probes in nanp_area_codes_probe.hpp decide it.
enum class Coverage : unsigned char { none, some, all };

/// The tables' encoding: one character per block.
constexpr char kNoneChar = '-';
constexpr char kSomeChar = '*';
constexpr char kAllChar = '+';

constexpr Coverage coverage_of(char c) noexcept {
  return c == kAllChar ? Coverage::all : c == kSomeChar ? Coverage::some : Coverage::none;
}

/// An area code with Coverage::some and the coverage of each of its exchanges 000-999 (exchanges
/// below 200 are not NANP exchanges and are never probed: kNoneChar).
struct PartlyUsedAreaCode {
  unsigned area;
  std::string_view exchanges;  // 1000 characters
};

// Defined in the generated nanp_area_codes_table.cpp.
// 1000 characters, 000-999 (000-199 are not NANP area codes and are never probed: kNoneChar).
extern const std::string_view kAreaCodeTable;
// The area codes with Coverage::some, ascending.
extern const std::span<const PartlyUsedAreaCode> kPartlyUsedAreaCodes;

/// Coverage of area code `area` (< 1000).
inline Coverage area_code_coverage(std::size_t area) noexcept {
  return coverage_of(kAreaCodeTable[area]);
}

/// Coverage of exchange `exchange` (< 1000) within area code `area`; Coverage::some when `area` is
/// not a partly used area code (the tables say nothing finer about it).
inline Coverage exchange_coverage(std::size_t area, std::size_t exchange) noexcept {
  for (const PartlyUsedAreaCode& partly : kPartlyUsedAreaCodes) {
    if (partly.area == area) return coverage_of(partly.exchanges[exchange]);
  }
  return Coverage::some;
}

}  // namespace sluice::nodes::ner::nanp
