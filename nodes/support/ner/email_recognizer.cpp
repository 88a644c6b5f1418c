#include "support/ner/email_recognizer.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#include "support/ner/text_scan.hpp"

namespace sluice::nodes::ner {

namespace {

constexpr std::size_t kMaxLocal = 64;
constexpr std::size_t kMaxDomain = 253;
constexpr std::size_t kMaxLabel = 63;

constexpr bool alpha_rule(unsigned char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
constexpr bool alnum_rule(unsigned char c) {
  return (c >= '0' && c <= '9') || alpha_rule(c);
}
constexpr bool local_rule(unsigned char c) {
  return alnum_rule(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
constexpr bool domain_rule(unsigned char c) {
  return alnum_rule(c) || c == '-' || c == '.';
}

// The rules above as one table: the walks over local parts and domains test every byte, and a
// lookup is cheaper than the chains of comparisons.
enum CharClass : std::uint8_t { kAlpha = 1, kLocal = 2, kDomain = 4 };
constexpr std::array<std::uint8_t, 256> kCharClasses = [] {
  std::array<std::uint8_t, 256> classes{};
  for (unsigned c = 0; c < 256; ++c) {
    const auto byte = static_cast<unsigned char>(c);
    classes[c] = static_cast<std::uint8_t>((alpha_rule(byte) ? kAlpha : 0) |
                                           (local_rule(byte) ? kLocal : 0) |
                                           (domain_rule(byte) ? kDomain : 0));
  }
  return classes;
}();

bool is_alpha(unsigned char c) {
  return (kCharClasses[c] & kAlpha) != 0;
}
bool is_local_char(unsigned char c) {
  return (kCharClasses[c] & kLocal) != 0;
}
bool is_domain_char(unsigned char c) {
  return (kCharClasses[c] & kDomain) != 0;
}

// The non-ASCII code point ending just before `pos` is a word character.
bool non_ascii_word_before(std::string_view text, std::size_t pos) {
  std::size_t lead = pos - 1;
  while (lead > 0 && pos - lead < 4 && (static_cast<unsigned char>(text[lead]) & 0xC0) == 0x80) {
    --lead;
  }
  return is_word_code_point(decode_at(text, lead));
}

// Checks the labels of [begin, end): 2+ labels, LDH rules, alphabetic TLD of 2+ letters.
bool valid_domain(std::string_view text, std::size_t begin, std::size_t end) {
  if (end - begin > kMaxDomain) return false;
  std::size_t labels = 0;
  std::size_t label_begin = begin;
  for (std::size_t i = begin; i <= end; ++i) {
    if (i < end && text[i] != '.') continue;
    const std::size_t size = i - label_begin;
    if (size == 0 || size > kMaxLabel || text[label_begin] == '-' || text[i - 1] == '-') {
      return false;
    }
    ++labels;
    if (i == end) {
      if (labels < 2 || size < 2) return false;
      for (std::size_t j = label_begin; j < end; ++j) {
        if (!is_alpha(static_cast<unsigned char>(text[j]))) return false;
      }
    }
    label_begin = i + 1;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<EmailRecognizer>> EmailRecognizer::create() {
  return std::unique_ptr<EmailRecognizer>(new EmailRecognizer());
}

void EmailRecognizer::find(std::string_view text, std::vector<Span>& out) const {
  const char* data = text.data();
  const std::size_t n = text.size();
  std::size_t done = 0;  // end of the last address: spans never overlap
  std::size_t from = 0;
  while (from < n) {
    const void* hit = std::memchr(data + from, '@', n - from);
    if (hit == nullptr) return;
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(hit) - data);
    from = at + 1;

    // Local part: walk left over its characters (bounded, and never into the previous address).
    std::size_t begin = at;
    while (begin > done && at - begin <= kMaxLocal &&
           is_local_char(static_cast<unsigned char>(data[begin - 1]))) {
      --begin;
    }
    if (begin > 0) {
      const auto before = static_cast<unsigned char>(data[begin - 1]);
      // Stopped by the length bound, the previous address, '@' or a letter of another script.
      if (is_local_char(before) || before == '@') continue;
      if (before >= 0x80 && non_ascii_word_before(text, begin)) continue;
    }
    while (begin < at && data[begin] == '.') ++begin;
    if (begin == at || at - begin > kMaxLocal || data[at - 1] == '.') continue;
    if (std::string_view(data + begin, at - begin).find("..") != std::string_view::npos) continue;

    // Domain: walk right, then give back trailing dots (sentence punctuation).
    std::size_t end = at + 1;
    while (end < n && is_domain_char(static_cast<unsigned char>(data[end]))) ++end;
    const std::size_t stop = end;
    while (end > at + 1 && data[end - 1] == '.') --end;
    if (stop == end && end < n) {
      const auto after = static_cast<unsigned char>(data[end]);
      if (after == '@' || after == '_') continue;
      if (after >= 0x80 && is_word_code_point(decode_at(text, end))) continue;
    }
    if (end == at + 1 || !valid_domain(text, at + 1, end)) continue;

    out.push_back({begin, end});
    done = end;
    from = end;
  }
}

}  // namespace sluice::nodes::ner
