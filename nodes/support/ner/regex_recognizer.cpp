#include "support/ner/regex_recognizer.hpp"

#include <optional>

namespace sluice::nodes::ner {

namespace {

// An ASCII code unit, with its other case when it is a letter: PCRE2 does not say whether a
// recorded code unit is caseless, so both cases are kept. Non-ASCII units are not used: their
// caseless forms may begin with other bytes.
std::optional<ByteSet> code_unit_set(std::uint32_t unit) {
  if (unit >= 0x80) return std::nullopt;
  ByteSet set;
  set.insert(static_cast<unsigned char>(unit));
  if ((unit | 0x20) >= 'a' && (unit | 0x20) <= 'z') {
    set.insert(static_cast<unsigned char>(unit ^ 0x20));
  }
  return set;
}

// For patterns read_match_filter does not follow: PCRE2's first byte and required byte, as one
// term of up to two one-byte grams.
MatchFilter filter_from_facts(const Regex::Facts& facts) {
  MatchFilter filter;
  std::optional<ByteSet> first;
  if (facts.first_code_unit) {
    first = code_unit_set(*facts.first_code_unit);
  } else if (facts.first_bytes) {
    first.emplace();
    for (unsigned b = 0; b < 256; ++b) {
      if (((*facts.first_bytes)[b / 8] >> (b % 8) & 1) != 0)
        first->insert(static_cast<unsigned char>(b));
    }
  }
  std::optional<ByteSet> required;
  if (facts.required_code_unit) required = code_unit_set(*facts.required_code_unit);
  std::uint32_t term = 0;
  for (const std::optional<ByteSet>& set : {first, required}) {
    if (!set) continue;
    term |= std::uint32_t{1} << filter.grams.size();
    filter.grams.push_back(Gram{{*set}});
  }
  if (term != 0) filter.terms.push_back(term);
  return filter;
}

}  // namespace

Result<std::unique_ptr<RegexRecognizer>> RegexRecognizer::create(std::string_view pattern,
                                                                 Options options) {
  Regex::Options regex_options;
  regex_options.caseless = options.caseless;
  regex_options.unicode_classes = options.unicode;
  auto regex = Regex::compile(pattern, regex_options);
  if (!regex.ok()) return regex.status();
  const Regex::Facts& facts = regex->facts();
  // A zero minimum subject length is what PCRE2 reports for anything that can match "".
  if (facts.min_length == 0) {
    return invalid_argument("regular expression can match the empty string");
  }
  std::optional<MatchFilter> filter = read_match_filter(pattern, options.caseless, options.unicode);
  if (!filter) filter = filter_from_facts(facts);
  filter->min_length = facts.min_length;

  std::unique_ptr<RegexRecognizer> recognizer(new RegexRecognizer(std::move(regex).value()));
  recognizer->filter_ = std::move(*filter);
  recognizer->needs_digit_ = recognizer->filter_.needs_ascii_digit();
  return recognizer;
}

void RegexRecognizer::find(std::string_view text, std::vector<Span>& out) const {
  find_before(text, text.size(), out);
}

void RegexRecognizer::find(std::string_view text, std::span<const Span> digit_runs,
                           std::vector<Span>& out) const {
  // Every match consumes a digit (needs_digit_), and PCRE2 consumes nothing before the offset
  // it searches from: no match starts at or after the end of the last digit run.
  if (!needs_digit_) return find_before(text, text.size(), out);
  if (!digit_runs.empty()) find_before(text, digit_runs.back().end, out);
}

void RegexRecognizer::find_before(std::string_view text, std::size_t search_end,
                                  std::vector<Span>& out) const {
  if (text.size() < filter_.min_length) return;
  std::size_t start = 0;
  RegexMatch match;
  while (start < search_end && regex_.next_match(text, start, match)) {
    if (match.end > match.begin) {
      out.push_back({match.begin, match.end});
      start = match.end;
      continue;
    }
    // An empty match (lookarounds only, or \K): not an entity; go on after the next character.
    start = match.end + 1;
    while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
  }
}

}  // namespace sluice::nodes::ner
