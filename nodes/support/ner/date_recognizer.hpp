#pragma once
/// DateRecognizer: calendar dates written with digits ("12/05/2024", "2024-05-12", "12.05.2024")
/// or with an English, German, French or Spanish month name ("May 12, 2024", "12. Mai 2024",
/// "1er janvier 2024", "3 de septiembre del 2024").
///
/// Accepted forms (month names are case-insensitive, full or abbreviated, with an optional dot):
///   - Y-M-D:   4-digit year, then month and day of 1-2 digits, all joined by the same one of / - .
///   - D-M-Y / M-D-Y: day and month of 1-2 digits then the year, joined by the same one of / - .
///     The year has 4 digits, or 2 digits with / or - (never with a dot: "3.10.12" is a version).
///     Accepted when at least one of the two readings is a real date.
///   - day first:   "12 May 2024", "12th of May 2024", "12. Mai 2024", "1er janvier 2024",
///                  "12 de mayo de 2024", "3 de septiembre del 2024", "12 May, 2024",
///                  "12-May-2024", "12/May/2024"
///   - month first: "May 12, 2024", "May 12 2024", "March 3rd, 2024", "Sept. 5, 2024"
///   A month-name date needs a day and a 4-digit year ("May 2024" and "May 12" are not reported);
///   the month name must be a whole word ("dismay", "Maiden" are not months).
///
/// Every reported date is a real calendar date (leap years included). 4-digit years lie in
/// 1900-2099; a 2-digit year yy is read as 20yy for the leap-year rule.
///
/// A date that is part of a longer token is not reported: it must not touch a letter, digit, mark
/// or '_' on either side ("x12/05/2024", "12/05/20245", "2024-05-12abc"), nor continue a dotted
/// number ("1.12.05.2024", "3.12 May 2024") or a hyphen/slash chain ("TICKET-2024-05-12",
/// "12/05/2024/7", "May 3 2024-05-12" where the numeric date wins). Two exceptions for numeric
/// dates: a hyphen between two dates of another separator ("12.05.2024-15.05.2024") and an ISO
/// time after a Y-M-D date ("2024-05-12T10:30").
///
/// Spans cover the date as written, from the day or month to the end of the year; leading words
/// such as "le", "am" or "el" and a trailing sentence dot are left out.

#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/status.hpp"
#include "support/ner/recognizer.hpp"
#include "support/regex.hpp"

namespace sluice::nodes::ner {

class DateRecognizer final : public Recognizer {
 public:
  /// Compiles the month-name patterns. Fails only if PCRE2 rejects them (a build problem).
  static Result<std::unique_ptr<DateRecognizer>> create();

  /// See Recognizer::find. Texts without an ASCII digit cost one fast scan.
  void find(std::string_view text, std::vector<Span>& out) const override;

  /// Same as find(), given every maximal run of ASCII digits in `text`, in order (computed once by
  /// the caller and shared between recognizers).
  void find(std::string_view text, std::span<const Span> digit_runs, std::vector<Span>& out) const;

 private:
  DateRecognizer(Regex day_first, Regex month_first, Regex word_char)
      : day_first_(std::move(day_first)),
        month_first_(std::move(month_first)),
        word_char_(std::move(word_char)) {}

  /// The date written with digits only made of three consecutive digit runs, if they are one:
  /// the caller has checked that one separator (/ - .) joins them.
  bool match_numeric(std::string_view text, Span first_run, Span second_run, Span third_run,
                     Span& span) const;
  /// A month-name date whose day is the digit run starting at `begin` and that starts at or after
  /// `min_begin`, if any. The caller has checked that the next digit run is a plausible year.
  bool match_month_name(std::string_view text, std::size_t begin, std::size_t min_begin,
                        Span& span) const;
  /// True when the code point starting at `pos` is a letter, digit, mark or '_'.
  bool is_word_char_at(std::string_view text, std::size_t pos) const;
  /// True when the code point ending just before `pos` is a letter, digit, mark or '_'.
  bool is_word_char_before(std::string_view text, std::size_t pos) const;

  Regex day_first_;    ///< "12 May 2024" and friends, anchored at the day
  Regex month_first_;  ///< "May 12, 2024" and friends, anchored at the month name
  Regex word_char_;    ///< one letter/digit/mark/'_' anchored at the start offset
};

}  // namespace sluice::nodes::ner
