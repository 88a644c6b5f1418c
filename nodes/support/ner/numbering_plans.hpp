#pragma once
/// The numbering-plan facts the phone recognizer needs for every number it reads: each region's
/// calling code, NANP membership and trunk prefix, and each calling code's possible national
/// number lengths. Tabulated from libphonenumber at build time (numbering_plans_gen.cpp runs
/// numbering_plans_probe.hpp's probes against the library the build links), because initialising
/// PhoneNumberUtil costs ~7-10 ms per process (it compiles hundreds of ICU regexes), which a run
/// of NANP text would otherwise pay without ever asking the library about a number. A test
/// compares the tables with the library.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sluice::nodes::ner::numbering {

struct RegionPlan {
  std::string_view region;        ///< ISO 3166-1 alpha-2, upper case, as libphonenumber names it
  int calling_code;               ///< GetCountryCodeForRegion
  bool nanp;                      ///< IsNANPACountry
  std::string_view trunk_prefix;  ///< GetNddPrefixForRegion(region, strip_non_digits = true)
};

/// Bit L (1-31) of entry cc: a national number of L digits is possible for calling code cc
/// (IsPossibleNumberWithReason == IS_POSSIBLE, which depends only on the code and the length).
/// Bit 0 is set for every calling code libphonenumber knows; 0 marks an unknown one.
using PossibleLengths = std::array<std::uint32_t, 1000>;

// Defined in the generated numbering_plans_table.cpp.
extern const std::span<const RegionPlan> kRegionPlans;  // every region the library knows, by name
extern const PossibleLengths kPossibleLengths;

/// The plan of `region` (upper case); nullptr for a region libphonenumber does not know.
const RegionPlan* find_region_plan(std::string_view region) noexcept;

}  // namespace sluice::nodes::ner::numbering
