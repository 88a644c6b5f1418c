// nanp_area_codes_gen: writes the NANP coverage tables (nanp_area_codes.hpp) as a C++ source file.
// Run by the build (nodes/CMakeLists.txt), linked with the same libphonenumber as sluice: probing
// the 1000 area codes takes a fraction of a second of IsValidNumber calls and the partly used area
// codes' exchanges a few seconds, which a recognizer used to spend in the middle of every run.
//
//   nanp_area_codes_gen OUTPUT.cpp

#include <cstddef>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "support/ner/nanp_area_codes.hpp"
#include "support/ner/nanp_area_codes_probe.hpp"

namespace {

using sluice::nodes::ner::nanp::Coverage;

char encode(Coverage coverage) {
  namespace nanp = sluice::nodes::ner::nanp;
  switch (coverage) {
    case Coverage::none:
      return nanp::kNoneChar;
    case Coverage::some:
      return nanp::kSomeChar;
    case Coverage::all:
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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: nanp_area_codes_gen OUTPUT.cpp\n");
    return 2;
  }
  using sluice::nodes::ner::nanp::probe_area_code;
  using sluice::nodes::ner::nanp::probe_exchange;

  std::string areas(1000, encode(Coverage::none));  // 000-199: not NANP area codes
  std::vector<std::size_t> partly_used;
  for (std::size_t area = 200; area < 1000; ++area) {
    const Coverage coverage = probe_area_code(area);
    areas[area] = encode(coverage);
    if (coverage == Coverage::some) partly_used.push_back(area);
  }

  std::string out =
      "// Generated at build time by nanp_area_codes_gen (nodes/support/ner/nanp_area_codes_gen.cpp)\n"
      "// from the linked libphonenumber; see nanp_area_codes.hpp. Do not edit.\n"
      "#include \"support/ner/nanp_area_codes.hpp\"\n\n"
      "namespace sluice::nodes::ner::nanp {\n\n";
  if (!partly_used.empty()) {
    out += "namespace {\n\nconstexpr PartlyUsedAreaCode kPartlyUsed[] = {\n";
    for (const std::size_t area : partly_used) {
      std::string exchanges(1000, encode(Coverage::none));  // 000-199: not NANP exchanges
      for (std::size_t exchange = 200; exchange < 1000; ++exchange) {
        exchanges[exchange] = encode(probe_exchange(area, exchange));
      }
      out += "    {" + std::to_string(area) + ",\n" + literal(exchanges, "     ", "},");
    }
    out += "};\n\n}  // namespace\n\n";
  }
  out += "constinit const std::string_view kAreaCodeTable =\n" + literal(areas, "    ", ";");
  out += "constinit const std::span<const PartlyUsedAreaCode> kPartlyUsedAreaCodes";
  out += partly_used.empty() ? "{};\n" : " = kPartlyUsed;\n";
  out += "\n}  // namespace sluice::nodes::ner::nanp\n";

  // Written aside and renamed, so that an interrupted run leaves no truncated table behind.
  const std::string path = argv[1];
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << out;
    if (!file.flush()) {
      std::fprintf(stderr, "nanp_area_codes_gen: cannot write %s\n", temporary.c_str());
      return 1;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::fprintf(stderr, "nanp_area_codes_gen: cannot rename %s to %s\n", temporary.c_str(),
                 path.c_str());
    return 1;
  }
  return 0;
}
