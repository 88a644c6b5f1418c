#include "support/ner/date_recognizer.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include "support/ner/text_scan.hpp"

namespace sluice::nodes::ner {

namespace {

// Month names per month, '|'-separated, lower case (matching is caseless). English, German,
// French and Spanish, full and common abbreviations, plus the usual ASCII spellings of the
// accented ones. "set" (Spanish) is left out on purpose: "set 5, 2024" is mostly English.
constexpr std::string_view kMonthNames[12] = {
    "january|jan|januar|jänner|jän|janvier|janv|enero|ene",
    "february|feb|februar|février|fevrier|févr|fevr|fév|fev|febrero",
    "march|mar|märz|maerz|marz|mär|mrz|mars|marzo",
    "april|apr|avril|avr|abril|abr",
    "may|mai|mayo",
    "june|jun|juni|juin|junio",
    "july|jul|juli|juillet|juil|julio",
    "august|aug|août|aout|agosto|ago",
    "september|sept|sep|septembre|septiembre|setiembre",
    "october|oct|oktober|okt|octobre|octubre",
    "november|nov|novembre|noviembre",
    "december|dec|dezember|dez|décembre|decembre|déc|diciembre|dic",
};

// Longest month name in bytes: bounds how far back we look for a month before a day.
constexpr std::size_t longest_month_name() {
  std::size_t longest = 0;
  for (std::string_view names : kMonthNames) {
    std::size_t length = 0;
    for (char c : names) {
      length = c == '|' ? 0 : length + 1;
      longest = std::max(longest, length);
    }
  }
  return longest;
}
constexpr std::size_t kMaxMonthNameBytes = longest_month_name();
constexpr std::size_t kMinMonthNameBytes = 3;

// Bit c - 'a' set when some month name starts with the letter c (all start with an ASCII letter):
// rules out most words before a number without asking PCRE2.
constexpr std::uint32_t month_initials() {
  std::uint32_t initials = 0;
  for (std::string_view names : kMonthNames) {
    bool at_start = true;
    for (char c : names) {
      if (at_start) initials |= std::uint32_t{1} << (c - 'a');
      at_start = c == '|';
    }
  }
  return initials;
}
constexpr std::uint32_t kMonthInitials = month_initials();

// What may not touch a date: letters, digits, combining marks and '_' (all scripts).
constexpr std::string_view kWordClass = "[\\p{L}\\p{N}\\p{M}_]";

constexpr int kFirstYear = 1900;
constexpr int kLastYear = 2099;

constexpr bool is_digit(unsigned char c) { return static_cast<unsigned char>(c - '0') < 10; }
constexpr bool is_ascii_alpha(unsigned char c) {
  return static_cast<unsigned char>((c | 0x20) - 'a') < 26;
}
unsigned char byte_at(std::string_view text, std::size_t pos) {
  return static_cast<unsigned char>(text[pos]);
}

int parse_digits(std::string_view text, std::size_t begin, std::size_t end) {
  int value = 0;
  for (std::size_t i = begin; i < end; ++i) value = value * 10 + (text[i] - '0');
  return value;
}

bool is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

bool is_real_date(int year, int month, int day) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  const int days = month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
  return day <= days;
}

// A 4-digit run 19xx or 20xx: every month-name date has one as the next digit run after the day,
// so this cheap test decides whether PCRE2 is asked at all.
bool is_year_run(std::string_view text, std::size_t begin, std::size_t end) {
  if (end - begin != 4) return false;
  const char c0 = text[begin];
  const char c1 = text[begin + 1];
  return (c0 == '1' && c1 == '9') || (c0 == '2' && c1 == '0');
}

// Byte length of the horizontal space (what PCRE2's \h matches) that ends just before `pos`,
// 0 if there is none.
std::size_t hspace_length_before(std::string_view text, std::size_t pos) {
  if (pos >= 1) {
    const unsigned char c = byte_at(text, pos - 1);
    if (c == ' ' || c == '\t') return 1;
    if (c < 0x80) return 0;
  }
  if (pos >= 2 && byte_at(text, pos - 2) == 0xC2 && byte_at(text, pos - 1) == 0xA0) return 2;
  if (pos >= 3) {
    const unsigned char b0 = byte_at(text, pos - 3);
    const unsigned char b1 = byte_at(text, pos - 2);
    const unsigned char b2 = byte_at(text, pos - 1);
    // U+2000-200A and U+202F, U+205F, U+3000, U+1680, U+180E.
    const bool space = (b0 == 0xE2 && b1 == 0x80 && (b2 <= 0x8A || b2 == 0xAF)) ||
                       (b0 == 0xE2 && b1 == 0x81 && b2 == 0x9F) ||
                       (b0 == 0xE3 && b1 == 0x80 && b2 == 0x80) ||
                       (b0 == 0xE1 && b1 == 0x9A && b2 == 0x80) ||
                       (b0 == 0xE1 && b1 == 0xA0 && b2 == 0x8E);
    if (space) return 3;
  }
  return 0;
}

// Byte length of the month-name letter that ends just before `pos`, 0 if none. Month names use
// ASCII letters plus ä, é and û (either case), all two-byte sequences starting with 0xC3.
std::size_t month_letter_length_before(std::string_view text, std::size_t pos) {
  const unsigned char c = byte_at(text, pos - 1);
  if (is_ascii_alpha(c)) return 1;
  if (pos >= 2 && byte_at(text, pos - 2) == 0xC3 &&
      (c == 0xA4 || c == 0x84 || c == 0xA9 || c == 0x89 || c == 0xBB || c == 0x9B)) {
    return 2;
  }
  return 0;
}

bool is_month_initial(unsigned char c) {
  return is_ascii_alpha(c) && ((kMonthInitials >> ((c | 0x20) - 'a')) & 1) != 0;
}

// "(names of January)|(names of February)|...": one capture group per month, so the group that
// took part says which month matched. Longer names first, so an alternative is not cut short
// and then rejected by the "no letter follows" check.
std::string month_pattern() {
  std::string pattern = "(?:";
  for (std::size_t month = 0; month < 12; ++month) {
    std::vector<std::string_view> names;
    std::string_view rest = kMonthNames[month];
    while (!rest.empty()) {
      const std::size_t bar = rest.find('|');
      names.push_back(rest.substr(0, bar));
      rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    }
    std::stable_sort(names.begin(), names.end(),
                     [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
    if (month > 0) pattern += '|';
    pattern += '(';
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i > 0) pattern += '|';
      pattern += names[i];
    }
    pattern += ')';
  }
  pattern += ")(?![\\p{L}\\p{M}])\\.?";
  return pattern;
}

// Month number (1-12) from the first of the twelve month groups that took part, 0 if none did.
int matched_month(const RegexMatch& match, int first_group) {
  for (int month = 1; month <= 12; ++month) {
    if (match.group_begin(first_group + month - 1) != std::string_view::npos) return month;
  }
  return 0;
}

// Group layout of the two month-name patterns.
constexpr int kDayFirstDay = 1;
constexpr int kDayFirstMonths = 2;
constexpr int kDayFirstYear = 14;
constexpr int kMonthFirstMonths = 1;
constexpr int kMonthFirstDay = 13;
constexpr int kMonthFirstYear = 14;

}  // namespace

Result<std::unique_ptr<DateRecognizer>> DateRecognizer::create() {
  const std::string word(kWordClass);
  const std::string months = month_pattern();
  // Both patterns start with \G: PCRE2 treats them as anchored, so a probe at a candidate position
  // costs one short attempt and never scans ahead.
  const std::string not_after_word = "(?<!" + word + ")";
  // The year ends the date: no word character after it, and no number run on with . , - or /
  // ("2024.5", "2024-05-12": the digits belong to something else).
  const std::string year = "((?:19|20)\\d\\d)(?!" + word + ")(?![.,/-]\\d)";
  // "12 May 2024", "12th of May 2024", "12. Mai 2024", "1er janvier 2024", "12 de mayo de 2024",
  // "3 de septiembre del 2024", "12 May, 2024", "12-May-2024", "12/May/2024". The day must not
  // continue a number such as "1.12" or "10:12".
  const std::string day_first =
      "\\G" + not_after_word + "(?<!\\d[.,:])(\\d{1,2})" +
      "(?:(?:st|nd|rd|th|er|º|°)?(?:\\.\\h*|\\h+(?:of\\h+|de\\h+)?)|[-/])" + months +
      "(?:,?\\h+(?:del?\\h+)?|,|[-/])" + year;
  // "May 12, 2024", "May 12 2024", "March 3rd, 2024", "Sept. 5, 2024", "May 12,2024".
  const std::string month_first =
      "\\G" + not_after_word + months + "\\h+(\\d{1,2})(?:st|nd|rd|th)?(?:,?\\h+|,)" + year;

  const Regex::Options caseless{.caseless = true, .utf = true};
  auto day_first_regex = Regex::compile(day_first, caseless);
  if (!day_first_regex) return day_first_regex.status().with_context("date recognizer");
  auto month_first_regex = Regex::compile(month_first, caseless);
  if (!month_first_regex) return month_first_regex.status().with_context("date recognizer");
  auto word_regex = Regex::compile("\\G" + word);
  if (!word_regex) return word_regex.status().with_context("date recognizer");
  return std::unique_ptr<DateRecognizer>(new DateRecognizer(std::move(day_first_regex).value(),
                                                            std::move(month_first_regex).value(),
                                                            std::move(word_regex).value()));
}

void DateRecognizer::find(std::string_view text, std::vector<Span>& out) const {
  thread_local std::vector<Span> runs;
  collect_digit_runs(text, runs);
  find(text, runs, out);
}

void DateRecognizer::find(std::string_view text, std::span<const Span> digit_runs,
                          std::vector<Span>& out) const {
  std::size_t last_end = 0;  // reported spans never overlap
  // Walk the digit runs left to right, looking ahead for the rest of a date: the next two runs
  // of a numeric one, the next run (the year) of a month-name one.
  for (std::size_t k = 0; k < digit_runs.size(); ++k) {
    const Span run = digit_runs[k];
    if (run.begin < last_end) continue;
    Span span;
    // A numeric date is three runs joined by the same separator, each right after the other:
    // tested here on the run offsets, so most runs cost no call.
    bool found = false;
    if (k + 2 < digit_runs.size()) {
      const Span second = digit_runs[k + 1];
      const Span third = digit_runs[k + 2];
      const char sep = text[run.end];
      found = (sep == '/' || sep == '-' || sep == '.') && second.begin == run.end + 1 &&
              third.begin == second.end + 1 && text[second.end] == sep &&
              match_numeric(text, run, second, third, span);
    }
    if (!found && run.end - run.begin <= 2 && k + 1 < digit_runs.size() &&
        is_year_run(text, digit_runs[k + 1].begin, digit_runs[k + 1].end)) {
      found = match_month_name(text, run.begin, last_end, span);
    }
    if (found) {
      out.push_back(span);
      last_end = span.end;
    }
  }
}

bool DateRecognizer::match_numeric(std::string_view text, Span first_run, Span second_run,
                                   Span third_run, Span& span) const {
  const std::size_t size = text.size();
  const std::size_t begin = first_run.begin;
  const std::size_t end = first_run.end;
  const char sep = text[end];
  const std::size_t second_begin = second_run.begin;
  const std::size_t second_end = second_run.end;
  const std::size_t third_begin = third_run.begin;
  const std::size_t third_end = third_run.end;

  const std::size_t first_length = end - begin;
  const std::size_t second_length = second_end - second_begin;
  const std::size_t third_length = third_end - third_begin;
  if (first_length > 4 || second_length > 2 || third_length > 4) return false;
  const int first = parse_digits(text, begin, end);
  const int second = parse_digits(text, second_begin, second_end);
  const int third = parse_digits(text, third_begin, third_end);
  const bool year_first = first_length == 4;
  if (year_first) {
    if (third_length > 2 || first < kFirstYear || first > kLastYear) return false;
    if (!is_real_date(first, second, third)) return false;
  } else {
    if (first_length > 2) return false;
    int year;
    if (third_length == 4) {
      if (third < kFirstYear || third > kLastYear) return false;
      year = third;
    } else if (third_length == 2 && sep != '.') {
      year = 2000 + third;  // only the leap-year rule depends on the century; 20yy is likelier
    } else {
      return false;
    }
    if (!is_real_date(year, second, first) && !is_real_date(year, first, second)) return false;
  }

  // Left neighbour: not glued to a word, not continuing a dotted number ("1.12.05.2024") or a
  // hyphen/slash chain ("TICKET-2024-05-12"); a hyphen after a digit is a range when the date
  // itself does not use hyphens ("12.05.2024-15.05.2024").
  if (begin > 0) {
    const unsigned char c = byte_at(text, begin - 1);
    if (c >= 0x80) {
      if (is_word_char_before(text, begin)) return false;
    } else if (is_ascii_word(c)) {
      return false;
    } else if (begin >= 2) {
      const unsigned char before = byte_at(text, begin - 2);
      if (c == '.' && is_digit(before)) return false;
      if (c == '-' && is_ascii_word(before) && !(is_digit(before) && sep != '-')) return false;
      if (c == '/' && is_ascii_word(before)) return false;
    }
  }
  // Right neighbour: the mirror image, plus an ISO time after a Y-M-D date ("2024-05-12T10:30").
  if (third_end < size) {
    const unsigned char c = byte_at(text, third_end);
    const unsigned char after = third_end + 1 < size ? byte_at(text, third_end + 1) : 0;
    if (c >= 0x80) {
      if (is_word_char_at(text, third_end)) return false;
    } else if (c == 'T' && year_first && sep == '-') {
      const bool iso_time = third_end + 3 < size && is_digit(after) &&
                            is_digit(byte_at(text, third_end + 2)) && text[third_end + 3] == ':';
      if (!iso_time) return false;
    } else if (is_ascii_word(c) || (c == '.' && is_digit(after)) ||
               (c == '-' && is_ascii_word(after) && !(is_digit(after) && sep != '-')) ||
               (c == '/' && is_ascii_word(after))) {
      return false;
    }
  }
  span = {begin, third_end};
  return true;
}

bool DateRecognizer::match_month_name(std::string_view text, std::size_t begin,
                                      std::size_t min_begin, Span& span) const {
  RegexMatch match;
  // Month first: the day follows a month name (and an optional dot) after horizontal space.
  // Step back over the space and the name to where the month would start; the name is at most
  // kMaxMonthNameBytes long, and stepping over whole characters keeps the probe on a character
  // boundary (required in UTF mode).
  std::size_t pos = begin;
  while (std::size_t length = hspace_length_before(text, pos)) pos -= length;
  if (pos < begin && pos > 0) {
    if (text[pos - 1] == '.') --pos;
    const std::size_t name_end = pos;
    while (pos > 0 && name_end - pos <= kMaxMonthNameBytes) {
      const std::size_t length = month_letter_length_before(text, pos);
      if (length == 0) break;
      pos -= length;
    }
    const std::size_t name_length = name_end - pos;
    if (name_length >= kMinMonthNameBytes && name_length <= kMaxMonthNameBytes &&
        pos >= min_begin && is_month_initial(byte_at(text, pos)) &&
        month_first_.next_match(text, pos, match)) {
      const int month = matched_month(match, kMonthFirstMonths);
      const int day = parse_digits(text, match.group_begin(kMonthFirstDay),
                                   match.group_end(kMonthFirstDay));
      const int year = parse_digits(text, match.group_begin(kMonthFirstYear),
                                    match.group_end(kMonthFirstYear));
      if (is_real_date(year, month, day)) {
        span = {match.begin, match.end};
        return true;
      }
    }
  }
  // Day first: the pattern starts at the day. A letter or digit right before it rules it out
  // without a probe (the pattern checks non-ASCII neighbours itself).
  if (begin > 0 && is_ascii_word(byte_at(text, begin - 1))) return false;
  if (!day_first_.next_match(text, begin, match)) return false;
  const int day =
      parse_digits(text, match.group_begin(kDayFirstDay), match.group_end(kDayFirstDay));
  const int month = matched_month(match, kDayFirstMonths);
  const int year =
      parse_digits(text, match.group_begin(kDayFirstYear), match.group_end(kDayFirstYear));
  if (!is_real_date(year, month, day)) return false;
  span = {match.begin, match.end};
  return true;
}

bool DateRecognizer::is_word_char_at(std::string_view text, std::size_t pos) const {
  RegexMatch match;
  return word_char_.next_match(text, pos, match);
}

bool DateRecognizer::is_word_char_before(std::string_view text, std::size_t pos) const {
  // Step back to the first byte of the previous code point (skipping continuation bytes).
  std::size_t start = pos - 1;
  while (start > 0 && pos - start < 4 && (byte_at(text, start) & 0xC0) == 0x80) --start;
  return is_word_char_at(text, start);
}

}  // namespace sluice::nodes::ner
