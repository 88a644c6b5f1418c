// phone_tables_gen: writes the phone recognizer's libphonenumber tables as C++ source files, the
// NANP coverage tables (nanp_area_codes.hpp) and the numbering plans (numbering_plans.hpp). Run by
// the build (nodes/CMakeLists.txt), linked with the same libphonenumber as sluice, so that no
// process has to initialise the library or probe it before it meets a number that needs it:
// probing the NANP area codes and exchanges takes seconds of IsValidNumber calls.
//
//   phone_tables_gen NANP_AREA_CODES.cpp NUMBERING_PLANS.cpp

#include <cctype>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "support/ner/nanp_area_codes.hpp"
#include "support/ner/nanp_area_codes_probe.hpp"
#include "support/ner/numbering_plans.hpp"
#include "support/ner/numbering_plans_probe.hpp"

namespace {

namespace nanp = sluice::nodes::ner::nanp;
namespace numbering = sluice::nodes::ner::numbering;

constexpr const char* kHeading =
    "// Generated at build time by phone_tables_gen (nodes/support/ner/phone_tables_gen.cpp) from\n"
    "// the linked libphonenumber. Do not edit.\n";

char encode(nanp::Coverage coverage) {
  switch (coverage) {
    case nanp::Coverage::none:
      return nanp::kNoneChar;
    case nanp::Coverage::some:
      return nanp::kSomeChar;
    case nanp::Coverage::all:
      return nanp::kAllChar;
  }
  return nanp::kNoneChar;
}

// A 1000-character table as string literal lines of 100 blocks each, then `end`.
std::string literal(const std::string& table, const char* indent, const char* end) {
  std::string out;
  for (std::size_t first = 0; first < table.size(); first += 100) {
    char range[32];
    std::snprintf(range, sizeof range, "  // %03zu-%03zu\n", first, first + 99);
    out += indent;
    out += '"' + table.substr(first, 100) + '"';
    if (first + 100 >= table.size()) out += end;
    out += range;
  }
  return out;
}

std::string nanp_area_codes_source() {
  std::string areas(1000, encode(nanp::Coverage::none));  // 000-199: not NANP area codes
  std::vector<std::size_t> partly_used;
  for (std::size_t area = 200; area < 1000; ++area) {
    const nanp::Coverage coverage = nanp::probe_area_code(area);
    areas[area] = encode(coverage);
    if (coverage == nanp::Coverage::some) partly_used.push_back(area);
  }
  std::string out = kHeading;
  out += "#include \"support/ner/nanp_area_codes.hpp\"\n\n";
  out += "namespace sluice::nodes::ner::nanp {\n\n";
  if (!partly_used.empty()) {
    out += "namespace {\n\nconstexpr PartlyUsedAreaCode kPartlyUsed[] = {\n";
    for (const std::size_t area : partly_used) {
      std::string exchanges(1000, encode(nanp::Coverage::none));  // 000-199: not NANP exchanges
      for (std::size_t exchange = 200; exchange < 1000; ++exchange) {
        exchanges[exchange] = encode(nanp::probe_exchange(area, exchange));
      }
      out += "    {" + std::to_string(area) + ",\n" + literal(exchanges, "     ", "},");
    }
    out += "};\n\n}  // namespace\n\n";
  }
  out += "constinit const std::string_view kAreaCodeTable =\n" + literal(areas, "    ", ";");
  out += "constinit const std::span<const PartlyUsedAreaCode> kPartlyUsedAreaCodes";
  out += partly_used.empty() ? "{};\n" : " = kPartlyUsed;\n";
  out += "\n}  // namespace sluice::nodes::ner::nanp\n";
  return out;
}

// Region names and trunk prefixes are letters and digits; anything else would need escaping.
bool plain(const std::string& text) {
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

std::string numbering_plans_source() {
  std::string out = kHeading;
  out += "#include \"support/ner/numbering_plans.hpp\"\n\n";
  out += "namespace sluice::nodes::ner::numbering {\n\n";
  out += "namespace {\n\nconstexpr RegionPlan kRegions[] = {\n";
  for (const numbering::ProbedRegionPlan& plan : numbering::probe_region_plans()) {
    if (!plain(plan.region) || !plain(plan.trunk_prefix)) {
      std::fprintf(stderr, "phone_tables_gen: unexpected region '%s' or trunk prefix '%s'\n",
                   plan.region.c_str(), plan.trunk_prefix.c_str());
      return {};
    }
    out += "    {\"" + plan.region + "\", " + std::to_string(plan.calling_code) + ", " +
           (plan.nanp ? "true" : "false") + ", \"" + plan.trunk_prefix + "\"},\n";
  }
  out += "};\n\n}  // namespace\n\n";
  out += "constinit const std::span<const RegionPlan> kRegionPlans = kRegions;\n\n";
  out += "constinit const PossibleLengths kPossibleLengths = {\n";
  for (int code = 0; code < 1000; code += 8) {
    out += "   ";
    for (int i = code; i < code + 8; ++i) {
      char entry[16];
      std::snprintf(entry, sizeof entry, " 0x%05x,", numbering::probe_possible_lengths(i));
      out += entry;
    }
    char range[32];
    std::snprintf(range, sizeof range, "  // %03d-%03d\n", code, code + 7);
    out += range;
  }
  out += "};\n\n}  // namespace sluice::nodes::ner::numbering\n";
  return out;
}

// Written aside and renamed, so that an interrupted run leaves no truncated table behind.
bool write_file(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << text;
    if (!file.flush()) {
      std::fprintf(stderr, "phone_tables_gen: cannot write %s\n", temporary.c_str());
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::fprintf(stderr, "phone_tables_gen: cannot rename %s to %s\n", temporary.c_str(),
                 path.c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: phone_tables_gen NANP_AREA_CODES.cpp NUMBERING_PLANS.cpp\n");
    return 2;
  }
  const std::string plans = numbering_plans_source();
  if (plans.empty()) return 1;
  return write_file(argv[1], nanp_area_codes_source()) && write_file(argv[2], plans) ? 0 : 1;
}
