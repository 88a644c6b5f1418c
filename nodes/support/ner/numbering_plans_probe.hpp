#pragma once
/// The library calls behind the numbering-plan tables (numbering_plans.hpp). Used by the
/// build-time generator (numbering_plans_gen.cpp) and by the test that checks the compiled-in
/// tables against the library the program links.

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::nodes::ner::numbering {

/// RegionPlan, owning its strings.
struct ProbedRegionPlan {
  std::string region;
  int calling_code = 0;
  bool nanp = false;
  std::string trunk_prefix;
};

/// Every region libphonenumber supports, sorted by name.
std::vector<ProbedRegionPlan> probe_region_plans();

/// The plan of `region` as the library gives it; calling_code 0 for a region it does not know.
ProbedRegionPlan probe_region_plan(const std::string& region);

/// The PossibleLengths entry of `calling_code` (< 1000): one IsPossibleNumberWithReason probe per
/// length 1-17 (the longest national number the library knows), which reproduces it exactly
/// because it looks only at the calling code and the length.
std::uint32_t probe_possible_lengths(int calling_code);

}  // namespace sluice::nodes::ner::numbering
