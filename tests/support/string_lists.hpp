#pragma once
// Lets failed CHECKs on lists of strings (messages, matches) print the lists.

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& lines) {
    std::string out = "{";
    for (const auto& line : lines) out += "\n  \"" + line + "\",";
    out += "\n}";
    return out.c_str();
  }
};
}  // namespace doctest
