#include "support/ner/numbering_plans.hpp"

#include <doctest/doctest.h>

#include <string>

#include "support/ner/numbering_plans_probe.hpp"

namespace {

namespace numbering = sluice::nodes::ner::numbering;

}  // namespace

// The tables are generated when the program is built; a libphonenumber whose data changed since
// (an upgraded shared library, or a generator that no longer runs) makes these fail.
TEST_CASE("numbering plans: the region table equals the library") {
  const auto probed = numbering::probe_region_plans();
  REQUIRE(probed.size() == numbering::kRegionPlans.size());
  CHECK(probed.size() > 200);
  for (std::size_t i = 0; i < probed.size(); ++i) {
    const numbering::RegionPlan& plan = numbering::kRegionPlans[i];
    CAPTURE(probed[i].region);
    CHECK(std::string(plan.region) == probed[i].region);
    CHECK(plan.calling_code == probed[i].calling_code);
    CHECK(plan.nanp == probed[i].nanp);
    CHECK(std::string(plan.trunk_prefix) == probed[i].trunk_prefix);
  }
}

TEST_CASE("numbering plans: find_region_plan knows exactly the library's regions") {
  // Every two-letter name, and a few that are not region codes at all.
  std::vector<std::string> names = {"", "U", "USA", "001", "us", "ZZ"};
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) names.push_back(std::string{a, b});
  }
  int known = 0;
  for (const std::string& name : names) {
    const numbering::RegionPlan* plan = numbering::find_region_plan(name);
    const int calling_code = numbering::probe_region_plan(name).calling_code;
    CAPTURE(name);
    CHECK((plan != nullptr) == (calling_code != 0));
    if (plan != nullptr) {
      CHECK(std::string(plan->region) == name);
      CHECK(plan->calling_code == calling_code);
      ++known;
    }
  }
  CHECK(known > 200);
  const numbering::RegionPlan* us = numbering::find_region_plan("US");
  REQUIRE(us != nullptr);
  CHECK(us->calling_code == 1);
  CHECK(us->nanp);
  CHECK(us->trunk_prefix == "1");
  const numbering::RegionPlan* de = numbering::find_region_plan("DE");
  REQUIRE(de != nullptr);
  CHECK(de->calling_code == 49);
  CHECK_FALSE(de->nanp);
  CHECK(de->trunk_prefix == "0");
}

TEST_CASE("numbering plans: the possible-length table equals the library's probes") {
  int known = 0;
  for (int code = 0; code < 1000; ++code) {
    CAPTURE(code);
    CHECK(numbering::kPossibleLengths[static_cast<std::size_t>(code)] ==
          numbering::probe_possible_lengths(code));
    known += numbering::kPossibleLengths[static_cast<std::size_t>(code)] != 0 ? 1 : 0;
  }
  CHECK(known > 200);
  CHECK((numbering::kPossibleLengths[1] >> 10 & 1U) == 1U);  // NANP: 10 digits
  CHECK((numbering::kPossibleLengths[1] >> 7 & 1U) == 0U);   // 7 digits only locally
  CHECK(numbering::kPossibleLengths[999] == 0U);             // not a calling code
}
