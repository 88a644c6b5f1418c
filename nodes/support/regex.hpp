#pragma once
/// Regex: a PCRE2 pattern compiled once (with JIT when the platform has it) and matched from any
/// number of threads. Match data lives in a thread_local scratch, so a Regex is immutable after
/// construction and safe to share.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/status.hpp"

namespace sluice::nodes {

/// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
/// Runs at memory speed on ASCII.
bool is_valid_utf8(std::string_view text) noexcept;

struct RegexMatch {
  std::size_t begin = 0;  ///< byte offset of the match in the subject
  std::size_t end = 0;    ///< one past the last byte
  /// Offsets of capture group `i` (1-based), or npos/npos when it did not take part.
  std::size_t group_begin(int i) const;
  std::size_t group_end(int i) const;
  const std::size_t* ovector = nullptr;  ///< PCRE2's ovector pairs; valid only inside the callback
  int group_count = 0;
};

class Regex {
 public:
  struct Options {
    bool caseless = false;
    /// \d, \w, \b and POSIX classes also match non-ASCII digits and letters (PCRE2_UCP). Off,
    /// they are ASCII-only, which is several times faster for id-like patterns such as \b\d{5}.
    bool unicode_classes = true;
    bool utf =
        true;  ///< pattern and subject are UTF-8 (subject validity is not re-checked per match)
  };

  /// Compiles `pattern`. The error names the offset in the pattern and PCRE2's reason.
  static Result<Regex> compile(std::string_view pattern, Options options);
  static Result<Regex> compile(std::string_view pattern) { return compile(pattern, Options{}); }

  /// Calls `on_match(const RegexMatch&)` for every non-overlapping match, left to right.
  /// The callback returns true to continue, false to stop.
  /// A subject that is not valid UTF-8 (in UTF mode) has no matches.
  template <typename Callback>
  void for_each_match(std::string_view subject, Callback&& on_match) const {
    if (utf_ && !is_valid_utf8(subject)) return;
    std::size_t start = 0;
    RegexMatch match;
    while (start <= subject.size() && next_match(subject, start, match)) {
      if (!on_match(static_cast<const RegexMatch&>(match))) return;
      start = match.end > match.begin ? match.end : match.end + 1;  // never loop on empty matches
    }
  }

  /// First match at or after `start`; false when there is none. In UTF mode the caller guarantees
  /// that `subject` is valid UTF-8 (see is_valid_utf8): the JIT does not check it.
  bool next_match(std::string_view subject, std::size_t start, RegexMatch& out) const;

  /// True when some match exists anywhere in `subject`.
  bool matches(std::string_view subject) const {
    if (utf_ && !is_valid_utf8(subject)) return false;
    RegexMatch m;
    return next_match(subject, 0, m);
  }

  /// What PCRE2 learned about the pattern while compiling it: facts every match satisfies, for
  /// callers that rule texts out before matching.
  struct Facts {
    /// Every match is at least this many characters (so at least this many bytes) long.
    std::size_t min_length = 0;
    /// Every match starts with this code unit (in its other case too when the pattern is
    /// caseless there: PCRE2 does not say).
    std::optional<std::uint32_t> first_code_unit;
    /// Otherwise, when known: bit b of first_bytes[b / 8] is set when a match may start with b.
    std::optional<std::array<std::uint8_t, 32>> first_bytes;
    /// Every match contains this code unit (caseless as first_code_unit).
    std::optional<std::uint32_t> required_code_unit;
  };
  const Facts& facts() const noexcept { return facts_; }

  const std::string& pattern() const noexcept { return pattern_; }
  bool jit() const noexcept { return jit_; }

 private:
  struct Code;
  Regex(std::shared_ptr<const Code> code, std::string pattern, bool jit, bool utf, Facts facts)
      : code_(std::move(code)), pattern_(std::move(pattern)), jit_(jit), utf_(utf), facts_(facts) {}

  std::shared_ptr<const Code> code_;
  std::string pattern_;
  bool jit_ = false;
  bool utf_ = true;
  Facts facts_;
};

}  // namespace sluice::nodes
