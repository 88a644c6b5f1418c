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
/// Prefilter (MatchFilter): byte-level facts that every match satisfies, so a caller running many
/// patterns over one text can rule most of them out in one table-driven pass (EntityExtractor
/// does) instead of calling PCRE2:
///   - prefix: the sets of the first 1-3 bytes of every match, read conservatively from the
///     pattern's leading atoms (literals, escaped punctuation, \d, \w, simple classes, with their
///     quantifiers; zero-width \b ^ skipped). Under caseless matching letters take both cases, and
///     k/s also the lead bytes of their non-ASCII case partners (KELVIN SIGN, LONG S); an atom that
///     can match a multi-byte character ends the prefix. When the pattern has a top-level '|',
///     \Q, comments or an extended-mode option, or starts with a group, the prefix falls back to
///     PCRE2's first code unit or start bitmap (one byte), or is empty.
///   - required: PCRE2's required code unit (with its other ASCII case).
///   - min_length: PCRE2's minimum subject length.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/status.hpp"
#include "support/ner/recognizer.hpp"
#include "support/regex.hpp"

namespace sluice::nodes::ner {

/// A set of byte values.
class ByteSet {
 public:
  void insert(unsigned char byte) noexcept { bits_[byte >> 6] |= std::uint64_t{1} << (byte & 63); }
  void insert_range(unsigned char first, unsigned char last) noexcept {
    for (unsigned b = first; b <= last; ++b) insert(static_cast<unsigned char>(b));
  }
  bool contains(unsigned char byte) const noexcept {
    return (bits_[byte >> 6] >> (byte & 63) & 1) != 0;
  }
  bool operator==(const ByteSet&) const = default;

 private:
  std::array<std::uint64_t, 4> bits_{};
};

/// Facts every match satisfies (see the file comment).
struct MatchFilter {
  /// Byte k of every match is in prefix[k] (at most 3 entries; empty when nothing is known).
  std::vector<ByteSet> prefix;
  /// Every text with a match contains a byte of this set; nullopt when nothing is known.
  std::optional<ByteSet> required;
  /// Every text with a match has at least this many bytes.
  std::size_t min_length = 0;
};

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

  /// What every match satisfies; for prefiltering many patterns at once.
  const MatchFilter& filter() const noexcept { return filter_; }

  /// False when filter() rules out a match in `text` (one pass over the text; no PCRE2 call).
  bool may_match(std::string_view text) const noexcept;

  const std::string& pattern() const noexcept { return regex_.pattern(); }

 private:
  explicit RegexRecognizer(Regex regex) : regex_(std::move(regex)) {}

  Regex regex_;
  MatchFilter filter_;
};

}  // namespace sluice::nodes::ner
