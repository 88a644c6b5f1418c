#pragma once
/// PhoneRecognizer: telephone numbers, found by their written shape and confirmed with
/// libphonenumber's metadata.
///
/// Shapes. A "group" is a run of digits, optionally in parentheses; groups are joined by one
/// separator (' ', '-', '.', or '/' for non-NANP national numbers), or by nothing next to a
/// parenthesis ("(555)123-4567", "+44(0)20 ...").
///   - international: '+', country code, national number: "+44 20 7946 0958", "+49 30 1234567",
///     "+33 1 23 45 67 89", "+442079460958". An "(0)" trunk group right after the country code is
///     skipped ("+44 (0)20 7946 0958"). After "+1" with separate groups the NANP layout applies:
///     "+1 555 123 4567", "+1-555-123-4567", "+1 (555) 123-4567".
///   - NANP layout (default region in the North American plan, e.g. "US", "CA"): an optional "1"
///     trunk, area code of 3 digits (bare or "(555)"), exchange of 3, line of 4: "555-123-4567",
///     "555.123.4567", "(555) 123-4567", "1-800-555-1234", "555 123 4567". Without parentheses the
///     two separators are the same.
///   - bare digit run in a NANP region: 10 digits, or 11 starting with the "1" trunk.
///   - other default regions: national numbers in groups whose first group starts with the
///     region's trunk prefix (e.g. "030 1234567", "030/1234567", "(030) 1234567" for "DE").
///
/// Validation rule (which libphonenumber check applies to which shape):
///   - international and NANP-layout numbers must be *possible*: the national number has a length
///     libphonenumber allows for the country (IsPossibleNumberWithReason == IS_POSSIBLE; a
///     local-only length such as 7-digit US numbers is not enough). The written shape is already
///     strong evidence, and IsValidNumber would drop the fictional 555 numbers people use.
///   - bare digit runs and non-NANP national numbers must be *valid* (IsValidNumber: the number
///     lies in an assigned range), because a bare 10-digit run is as likely an id as a phone.
///   Possibility depends only on the country code and the national number's length, so it is
///   tabulated at build time from libphonenumber (numbering_plans.hpp) and that path makes no
///   library call.
///   NANP validity is decided by the area code for almost every number, and by the exchange for
///   nearly all the rest, while IsValidNumber costs 7-40 us (ICU regexes over up to 25 regions).
///   So bare NANP runs are judged by tables generated at build time from libphonenumber
///   (nanp_area_codes.hpp): an area code whose probes with every exchange digit 2-9 are valid
///   accepts any NXX-XXXX with N = 2-9; one with no valid probe and no NANP example number
///   rejects; in the few others (about 20, mostly Caribbean and Pacific islands) each exchange is
///   tabulated the same way, and the real IsValidNumber call is left for the exchanges that split
///   on the line number (a couple). On random 10-digit numbers this disagrees with IsValidNumber
///   for about 0.05% (sub-ranges of some area codes the probes see as wholly used or unused).
///
/// Where a number ends: a national number grouped with spaces only (or bare) must not touch a
/// space-grouped digit sequence on either side ("12 555 123 4567", "555 123 4567 89" are not
/// phones); one with '-', '.' or parentheses may be followed by a space and other digits
/// ("555-123-4567 2 times"). After '+' the number may always end before a space and other digits;
/// the longest possible reading is taken, except that when its last group is shorter than the one
/// before and a shorter reading is possible too, the longest valid reading wins ("+49 171 1234567
/// 89 times" gives "+49 171 1234567"; "+49 30 1234567 2025" keeps the year, both being valid).
///
/// Not phones: a number touching a letter, digit or '_' ("ACC1234567890"), or following one of
/// # $ % & * + - . / @ \ ^ | ~ ("#123456789", "TICKET-5551234567"); a number continued by '-',
/// '.', '/' or ':' and a digit, or by '@'; 13+ digit runs, card numbers, dates, times, prices,
/// versions and IP addresses (none fit the shapes above).
///
/// Cost: candidates are found from the text's digit runs; most runs are dismissed by their length
/// and distance to the next run. Only ambiguous '+' readings, bare runs in the few split NANP
/// exchanges and non-NANP national numbers call libphonenumber (microseconds each); the first such
/// call in a process waits for the library's metadata, which the first create() starts loading on
/// a helper thread (~7.5 ms), so memory use does not jump mid-run when the first such number shows
/// up. create() itself reads only build-time tables.
///
/// Spans run from the '+' or '(' or first digit to the last digit (or closing parenthesis).

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/status.hpp"
#include "support/ner/recognizer.hpp"

namespace sluice::nodes::ner {

class PhoneRecognizer final : public Recognizer {
 public:
  /// `default_region` (ISO 3166-1 alpha-2, any case) decides how numbers without "+CC" are read.
  /// Errors (invalid_argument): a region libphonenumber does not know.
  static Result<std::unique_ptr<PhoneRecognizer>> create(std::string_view default_region = "US");

  /// See Recognizer::find.
  void find(std::string_view text, std::vector<Span>& out) const override;

  /// Same as find(), given every maximal run of ASCII digits in `text`, in order (computed once by
  /// the caller and shared between recognizers).
  void find(std::string_view text, std::span<const Span> digit_runs, std::vector<Span>& out) const;

  /// Starts loading libphonenumber's metadata on a helper thread, once per process, so that the
  /// first number that needs the library does not wait for it. Without this that number loads it.
  static void preload_metadata();
  /// Whether preload_metadata() has finished.
  static bool metadata_loaded() noexcept;

  /// The default region, upper-case.
  const std::string& default_region() const noexcept { return region_; }

 private:
  PhoneRecognizer() = default;

  // Each takes the digit runs from the candidate's first run on.
  bool match_international(std::string_view text, std::span<const Span> runs, std::size_t plus,
                           Span& found) const;
  bool match_national(std::string_view text, std::span<const Span> runs, std::size_t start,
                      Span& found) const;
  bool match_nanp(std::string_view text, std::span<const Span> runs, std::size_t start,
                  Span& found) const;
  bool match_other_national(std::string_view text, std::span<const Span> runs, std::size_t start,
                            Span& found) const;

  std::string region_;
  int region_code_ = 0;       ///< calling code of the default region
  bool region_nanp_ = false;  ///< default region uses the North American Numbering Plan
  std::string trunk_prefix_;  ///< national (trunk) prefix of the default region, e.g. "0"
};

}  // namespace sluice::nodes::ner
