#pragma once
/// RegexRecognizer: a user-defined entity given as a PCRE2 pattern (UTF-8, Unicode properties,
/// JIT-compiled). Each whole match is one span; matches are found left to right without overlap.
///
/// The factory rejects patterns that do not compile (the message names the offset in the pattern)
/// and patterns that can match the empty string ("x*", "a|", "\b", "^"): PCRE2 reports their
/// minimum subject length as 0. Patterns whose every match could still be empty in spite of a
/// positive minimum length (only lookarounds, "(?=abc)", or \K at the very end) pass the check;
/// their empty matches are never reported.
///
/// Prefilter: filter() holds grams every text with a match contains (see MatchFilter), read from
/// the pattern; when the pattern uses syntax that analysis does not follow, from PCRE2's own facts
/// instead (the first byte of every match and a required byte, each as a one-byte gram).

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/status.hpp"
#include "support/ner/match_filter.hpp"
#include "support/ner/recognizer.hpp"
#include "support/regex.hpp"

namespace sluice::nodes::ner {

class RegexRecognizer final : public Recognizer {
 public:
  struct Options {
    bool caseless = false;  ///< Unicode case folding (PCRE2_CASELESS)
    /// \d \w \b match non-ASCII digits and letters too (PCRE2_UCP). Off by default: user patterns
    /// are mostly ids and codes, and ASCII classes make them several times faster.
    bool unicode = false;
  };

  /// Errors (invalid_argument): the pattern does not compile ("invalid regular expression at
  /// offset N: ..."), has too many capture groups, or can match the empty string.
  static Result<std::unique_ptr<RegexRecognizer>> create(std::string_view pattern, Options options);
  static Result<std::unique_ptr<RegexRecognizer>> create(std::string_view pattern) {
    return create(pattern, Options{});
  }

  /// See Recognizer::find.
  void find(std::string_view text, std::vector<Span>& out) const override;

  /// Same as find(), given every maximal run of ASCII digits in `text`, in order (as the digit
  /// recognizers get them). When the filter says every match holds an ASCII digit, no search
  /// starts after the last digit: the failing search for a second match is mostly saved.
  void find(std::string_view text, std::span<const Span> digit_runs, std::vector<Span>& out) const;

  /// What every match satisfies; for prefiltering many patterns at once.
  const MatchFilter& filter() const noexcept { return filter_; }

  /// False when filter() rules out a match in `text` (no PCRE2 call).
  bool may_match(std::string_view text) const noexcept { return filter_.may_match(text); }

  const std::string& pattern() const noexcept { return regex_.pattern(); }

 private:
  explicit RegexRecognizer(Regex regex) : regex_(std::move(regex)) {}
  /// The matches that start before `search_end`.
  void find_before(std::string_view text, std::size_t search_end, std::vector<Span>& out) const;

  Regex regex_;
  MatchFilter filter_;
  bool needs_digit_ = false;  ///< filter_.needs_ascii_digit()
};

}  // namespace sluice::nodes::ner
