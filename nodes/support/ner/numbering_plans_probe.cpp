#include "support/ner/numbering_plans_probe.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <set>

namespace sluice::nodes::ner::numbering {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr std::size_t kMaxNationalLength = 17;

}  // namespace

ProbedRegionPlan probe_region_plan(const std::string& region) {
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  ProbedRegionPlan plan;
  plan.region = region;
  plan.calling_code = util->GetCountryCodeForRegion(region);
  if (plan.calling_code == 0) return plan;
  plan.nanp = util->IsNANPACountry(region);
  util->GetNddPrefixForRegion(region, true, &plan.trunk_prefix);
  return plan;
}

std::vector<ProbedRegionPlan> probe_region_plans() {
  std::set<std::string> regions;  // sorted
  PhoneNumberUtil::GetInstance()->GetSupportedRegions(&regions);
  std::vector<ProbedRegionPlan> plans;
  plans.reserve(regions.size());
  for (const std::string& region : regions) plans.push_back(probe_region_plan(region));
  return plans;
}

std::uint32_t probe_possible_lengths(int calling_code) {
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  std::set<int> codes;
  util->GetSupportedCallingCodes(&codes);
  if (codes.count(calling_code) == 0) return 0;
  std::uint32_t bits = 1;
  std::uint64_t smallest = 1;
  for (std::size_t length = 1; length <= kMaxNationalLength; ++length, smallest *= 10) {
    PhoneNumber probe;
    probe.set_country_code(calling_code);
    probe.set_national_number(smallest);
    if (util->IsPossibleNumberWithReason(probe) == PhoneNumberUtil::IS_POSSIBLE) {
      bits |= 1U << length;
    }
  }
  return bits;
}

}  // namespace sluice::nodes::ner::numbering
