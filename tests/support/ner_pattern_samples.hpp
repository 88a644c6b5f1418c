#pragma once
// Sample patterns and texts for the tests of user-defined NER patterns: the heavy benchmark
// profile's patterns, random texts made of the pieces such patterns care about, and texts that
// hold matches of them.

#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace sluice::testing {

/// A PCRE2 pattern with the options of a user-defined entity.
struct Pattern {
  const char* text;
  bool caseless = false;
  bool unicode = false;
};

// The heavy benchmark profile's patterns (benchmarks/pipelines/utterance_ner_heavy.yaml).
inline const Pattern kHeavyPatterns[] = {
    {R"((?:#|\bORD-?)\d{8,10}\b)"},
    {R"(\bACC\d{10}\b)"},
    {R"(\bcase[ #:-]{0,2}\d{6,8}\b)", true},
    {R"(\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b)"},
    {R"(\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b)"},
    {R"(\b\d{5}-\d{4}\b)"},
    {R"(\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b)"},
    {R"([$£€] ?\d{1,3}(?:[.,]\d{3})*(?:[.,]\d{2})?|\b\d{1,3}(?:[.,]\d{3})*[.,]\d{2} ?€)"},
    {R"(\bv(?:ersion)? ?\d+\.\d+(?:\.\d+)?\b)", true},
    {R"(\b1Z[0-9A-Z]{16}\b)"},
};

// Random texts made of pieces the patterns above care about, valid UTF-8.
class TextGenerator {
 public:
  explicit TextGenerator(std::uint32_t seed) : random_(seed) {}

  std::string next() {
    static const char* const kPieces[] = {
        "ORD",    "ORD-",    "#",      "ACC",    "case",    "CASE",    "Case",   "ca",     "\u017F",
        "\u212A", "se",      "v",      "V",      "version", "VERSION", "ion",    "1Z",     "Z",
        "$",      "£",       "€",      " ",      " ",       "-",       ".",      ",",      ":",
        "/",      "_",       "é",      "É",      "ß",       "\u0661",  "\u0663", "@",      "com",
        "\t",     "\n",      "k",      "K",      "s",       "S",       "ab",     "cd",     "x",
        "yz",     "w",       "colour", "color",  "sku-",    "SKU-",    "kelvin", "KELVIN", "a",
        "b",      "c",       "A",      "B",      "C",       "foo",     "thud",   "é",      "ë",
        "straße", "STRASSE", "ẞ",      "GB",     "SW1A",    "1AA",     "]",      "^",      "\u00A0",
        "\u2028", "\u0130",  "\u0131", "\u212B", "xyzzy",   "ef",      "25",     "255",    "199",
    };
    std::string text;
    const int pieces = std::uniform_int_distribution<int>(0, 12)(random_);
    for (int i = 0; i < pieces; ++i) {
      const int kind = std::uniform_int_distribution<int>(0, 9)(random_);
      if (kind < 5) {
        text +=
            kPieces[std::uniform_int_distribution<std::size_t>(0, std::size(kPieces) - 1)(random_)];
      } else if (kind < 8) {
        const int digits = std::uniform_int_distribution<int>(1, 12)(random_);
        for (int d = 0; d < digits; ++d) {
          text += static_cast<char>('0' + std::uniform_int_distribution<int>(0, 9)(random_));
        }
      } else {
        const int letters = std::uniform_int_distribution<int>(1, 4)(random_);
        const char base = kind == 8 ? 'A' : 'a';
        for (int l = 0; l < letters; ++l) {
          text += static_cast<char>(base + std::uniform_int_distribution<int>(0, 25)(random_));
        }
      }
    }
    return text;
  }

 private:
  std::mt19937 random_;
};

// Texts that hold a match of a heavy-profile pattern, in random surroundings and case.
inline std::vector<std::string> matching_texts(std::uint32_t seed) {
  static const char* const kMatches[] = {
      "#123456789",
      "ORD-12345678",
      "ORD1234567890",
      "ACC1234567890",
      "case 1234567",
      "CASE#123456",
      "ca\u017Fe: 12345678",
      "GB82 WEST 1234 5698 7654 32",
      "DE89370400440532013000",
      "SW1A 1AA",
      "M1 1AE",
      "12345-6789",
      "192.168.1.1",
      "255.255.255.255",
      "10.0.0.1",
      "$5",
      "$1,299.99",
      "£ 12.50",
      "€3",
      "1.358,48 €",
      "64,85€",
      "v1.2",
      "Version 6.1.30",
      "VERSION2.0",
      "1Z999AA10123456784",
      "x ORD-12345678 y",
      "\u212Aelvin",
      "sku-1",
  };
  std::mt19937 random(seed);
  TextGenerator noise(seed + 1);
  std::vector<std::string> out;
  for (int round = 0; round < 20; ++round) {
    for (const char* match : kMatches) {
      std::string core = match;
      if (round % 3 == 1) {
        for (char& c : core) {
          if (std::uniform_int_distribution<int>(0, 1)(random) != 0 && (c | 0x20) >= 'a' &&
              (c | 0x20) <= 'z') {
            c = static_cast<char>(c ^ 0x20);
          }
        }
      }
      out.push_back(noise.next() + core + noise.next());
      out.push_back(core);
      out.push_back(" " + core + ".");
    }
  }
  return out;
}

}  // namespace sluice::testing
