#include "support/ner/ticket_recognizer.hpp"

#include <algorithm>
#include <utility>

#include "support/regex.hpp"

namespace sluice::nodes::ner {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_ascii_word(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Non-ASCII code points count as word characters (letters, marks) unless they sit in the common
// space, punctuation and symbol blocks: "«TICKET-1234»" is a ticket, "ÄTICKET-1234" is not.
bool is_word_code_point(char32_t cp) {
  if (cp < 0x80) return is_ascii_word(static_cast<unsigned char>(cp));
  if (cp < 0xC0) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;
  if (cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;
  if (cp >= 0x3000 && cp <= 0x303F) return false;
  if (cp >= 0xFF00 && cp <= 0xFF20) return false;
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;
  return true;
}

char32_t decode_at(std::string_view text, std::size_t pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char lead = p[pos];
  const std::size_t extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
  char32_t cp = extra == 0 ? lead : lead & (0x3F >> extra);
  for (std::size_t i = 1; i <= extra && pos + i < text.size(); ++i) {
    cp = (cp << 6) | (p[pos + i] & 0x3F);
  }
  return cp;
}

bool word_at(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return false;
  const auto c = static_cast<unsigned char>(text[pos]);
  return c < 0x80 ? is_ascii_word(c) : is_word_code_point(decode_at(text, pos));
}

bool word_before(std::string_view text, std::size_t pos) {
  if (pos == 0) return false;
  const auto c = static_cast<unsigned char>(text[pos - 1]);
  if (c < 0x80) return is_ascii_word(c);
  std::size_t lead = pos - 1;
  while (lead > 0 && pos - lead < 4 && (static_cast<unsigned char>(text[lead]) & 0xC0) == 0x80) {
    --lead;
  }
  return is_word_code_point(decode_at(text, lead));
}

void collect_digit_runs(std::string_view text, std::vector<Span>& runs) {
  runs.clear();
  for (std::size_t i = 0; i < text.size();) {
    if (!is_digit(text[i])) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    runs.push_back({begin, i});
  }
}

// `prefix` is stored lower-cased; ASCII letters of `written` compare case-insensitively.
bool prefix_equal(std::string_view written, std::string_view prefix) {
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(written[i]) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<TicketRecognizer>> TicketRecognizer::create(
    std::vector<std::string> prefixes, std::size_t min_digits) {
  if (prefixes.empty()) return invalid_argument("no ticket prefixes given");
  if (min_digits == 0) return invalid_argument("ticket min_digits must be at least 1");
  for (std::string& prefix : prefixes) {
    if (prefix.empty()) return invalid_argument("empty ticket prefix");
    if (!is_valid_utf8(prefix)) return invalid_argument("ticket prefix is not valid UTF-8");
    if (is_digit(prefix.back())) {
      return invalid_argument("ticket prefix '" + prefix +
                              "' ends in a digit (the ticket number would be ambiguous)");
    }
    std::transform(prefix.begin(), prefix.end(), prefix.begin(), lower);
  }
  // Longest first, so "XINC-" wins over "INC-" when both are configured.
  std::stable_sort(prefixes.begin(), prefixes.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
  return std::unique_ptr<TicketRecognizer>(new TicketRecognizer(std::move(prefixes), min_digits));
}

void TicketRecognizer::find(std::string_view text, std::vector<Span>& out) const {
  thread_local std::vector<Span> runs;
  collect_digit_runs(text, runs);
  find(text, runs, out);
}

void TicketRecognizer::find(std::string_view text, std::span<const Span> digit_runs,
                            std::vector<Span>& out) const {
  // Each ticket ends in a digit run; look back from the run for a prefix. Digit runs are much
  // rarer than the prefixes' first letters, so this is cheaper than searching for the prefixes.
  std::size_t done = 0;  // end of the last ticket: spans never overlap
  for (const Span& run : digit_runs) {
    if (run.end - run.begin < min_digits_ || word_at(text, run.end)) continue;
    for (const std::string& prefix : prefixes_) {
      if (run.begin < done + prefix.size()) continue;
      const std::size_t begin = run.begin - prefix.size();
      if (!prefix_equal(text.substr(begin, prefix.size()), prefix) || word_before(text, begin)) {
        continue;
      }
      out.push_back({begin, run.end});
      done = run.end;
      break;
    }
  }
}

}  // namespace sluice::nodes::ner
