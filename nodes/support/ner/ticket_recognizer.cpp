#include "support/ner/ticket_recognizer.hpp"

#include <algorithm>
#include <utility>

#include "support/regex.hpp"
#include "support/ner/text_scan.hpp"

namespace sluice::nodes::ner {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

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
    if (run.end - run.begin < min_digits_) continue;
    // The byte before the digits ends the prefix: most runs fail this one lookup.
    if (run.begin == 0 ||
        !last_prefix_bytes_[static_cast<unsigned char>(lower(text[run.begin - 1]))]) {
      continue;
    }
    if (word_at(text, run.end)) continue;
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
