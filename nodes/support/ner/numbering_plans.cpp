#include "support/ner/numbering_plans.hpp"

#include <algorithm>

namespace sluice::nodes::ner::numbering {

const RegionPlan* find_region_plan(std::string_view region) noexcept {
  const auto it = std::lower_bound(
      kRegionPlans.begin(), kRegionPlans.end(), region,
      [](const RegionPlan& plan, std::string_view name) { return plan.region < name; });
  return it != kRegionPlans.end() && it->region == region ? &*it : nullptr;
}

}  // namespace sluice::nodes::ner::numbering
