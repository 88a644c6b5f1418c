#pragma once
/// MatchFilter: byte-level facts that every match of a user pattern satisfies, read from the
/// pattern's text, so that a caller running many patterns over one text can rule most of them out
/// in one table-driven pass (EntityExtractor does) instead of calling PCRE2 for each.
///
/// The facts are grams, runs of 1-3 byte sets such as [0-9][.][0-9], "ACC" or [#][0-9][0-9],
/// combined as an OR of ANDs: a text may hold a match only when, for some term, it contains every
/// gram of that term ([0-9] written d). For example
///   (?:#|\bORD-?)\d{8,10}\b          {#dd and ddd} or {ORD and ddd} or {RD- and ddd}
///   \b\d{5}-\d{4}\b                  {dd- and ddd}
///   \b(?:(?:25[0-5]|...)\.){3}...    {d.d}
///   [$£€] ?\d{1,3}...|...\d{2} ?€    {$d} or {$ d} or {£d} or {€ and [,.]dd} or ...
///
/// read_match_filter parses the pattern into the set of byte strings its matches can consume, and
/// summarises each part either as its few possible byte-set strings or, when there are too many
/// or they are too long, as the strings every match starts and ends with plus a condition on the
/// text; concatenation adds the grams that straddle two parts. Zero-width items (\b, anchors,
/// lookarounds, \K) consume nothing; atomic groups and lazy or possessive quantifiers only narrow
/// which string a match takes, so they are read as plain groups and quantifiers. What is not
/// modelled byte by byte ('.', negated classes and escapes, Unicode properties, non-ASCII letters
/// under caseless matching, \d \w \s with Unicode classes) is an unknown string: it weakens the
/// filter but never makes it rule out a real match. Inline caseless options are applied from
/// where they appear to the end of the pattern (PCRE2 applies them to the end of their group: a
/// superset, so still safe). Syntax the parser does not follow (\Q...\E, comments, extended mode,
/// backreferences, recursion, conditionals, verbs, octal escapes, '{' not forming a counted
/// quantifier) gives nullopt: the caller then falls back on PCRE2's own facts.
///
/// UTF-8 details the grams rely on (checked against PCRE2 by the tests): without Unicode classes
/// \d \w \s match ASCII only; under caseless matching an ASCII letter matches its other case, and
/// k and s also KELVIN SIGN (U+212A) and LONG S (U+017F).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace sluice::nodes::ner {

/// A set of byte values.
class ByteSet {
 public:
  void insert(unsigned char byte) noexcept { bits_[byte >> 6] |= std::uint64_t{1} << (byte & 63); }
  void insert_range(unsigned char first, unsigned char last) noexcept {
    for (unsigned b = first; b <= last; ++b) insert(static_cast<unsigned char>(b));
  }
  void insert_all(const ByteSet& other) noexcept {
    for (std::size_t i = 0; i < bits_.size(); ++i) bits_[i] |= other.bits_[i];
  }
  bool contains(unsigned char byte) const noexcept {
    return (bits_[byte >> 6] >> (byte & 63) & 1) != 0;
  }
  bool is_subset_of(const ByteSet& other) const noexcept {
    for (std::size_t i = 0; i < bits_.size(); ++i) {
      if ((bits_[i] & ~other.bits_[i]) != 0) return false;
    }
    return true;
  }
  bool operator==(const ByteSet&) const = default;

 private:
  std::array<std::uint64_t, 4> bits_{};
};

/// 1 to kMaxLength byte sets that consecutive bytes of a text match, in order.
struct Gram {
  static constexpr std::size_t kMaxLength = 3;
  std::vector<ByteSet> bytes;

  /// True when some position of `text` starts a run of bytes matching the gram.
  bool occurs_in(std::string_view text) const noexcept;
  bool operator==(const Gram&) const = default;
};

/// What every text holding a match contains (see the file comment).
struct MatchFilter {
  static constexpr std::size_t kMaxGrams = 32;
  /// At most kMaxGrams distinct grams, the rarest in typical text first (a rough estimate).
  std::vector<Gram> grams;
  /// The OR of ANDs: bit g of a term stands for grams[g]. No terms: no condition on the bytes.
  std::vector<std::uint32_t> terms;
  /// Every text with a match has at least this many bytes.
  std::size_t min_length = 0;

  /// False when the filter rules out a match in `text`: the reference evaluation, one scan of
  /// the text per gram (EntityExtractor evaluates many filters in one pass instead).
  bool may_match(std::string_view text) const noexcept;

  /// True when the filter has terms and each needs a byte '0'-'9' (a gram with such a set):
  /// then a text without ASCII digits has no match.
  bool needs_ascii_digit() const noexcept;
};

/// The grams of `pattern` (PCRE2 syntax, compiled in UTF mode with the given options): see the
/// file comment. min_length is left 0. nullopt when the pattern uses syntax the analysis does not
/// follow.
std::optional<MatchFilter> read_match_filter(std::string_view pattern, bool caseless,
                                             bool unicode_classes);

}  // namespace sluice::nodes::ner
