#pragma once
/// TicketRecognizer: ticket ids, a configured prefix followed by digits ("TICKET-12345").
///
///   - prefixes: a list ({"TICKET-"} by default; e.g. {"TICKET-", "INC-", "CASE#"}). When several
///     end at the same digits the longest one that fits is reported.
///   - case: the prefix matches ASCII-case-insensitively ("ticket-1234", "Ticket-1234"); the span
///     is the text as written. Chat users do not keep the canonical case, and the digits carry the
///     identity. Non-ASCII bytes of a prefix match exactly.
///   - digits: at least `min_digits` (4 by default) ASCII digits; all of the run is taken.
///   - word boundaries on both sides: the character before the prefix and the one after the
///     digits are not letters (any script), digits or '_' ("XTICKET-1234", "TICKET-1234X" and
///     "TICKET-1234_5" are not tickets; "(TICKET-1234)", "TICKET-1234." and "TICKET-1234-2" give
///     "TICKET-1234").
/// Found from the text's digit runs, so texts without digits cost nothing more.

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/status.hpp"
#include "support/ner/recognizer.hpp"

namespace sluice::nodes::ner {

class TicketRecognizer final : public Recognizer {
 public:
  /// Errors (invalid_argument): no prefixes; an empty prefix; a prefix ending in a digit (the
  /// digits would be ambiguous); a prefix that is not valid UTF-8; min_digits of 0.
  static Result<std::unique_ptr<TicketRecognizer>> create(
      std::vector<std::string> prefixes = {"TICKET-"}, std::size_t min_digits = 4);

  /// See Recognizer::find.
  void find(std::string_view text, std::vector<Span>& out) const override;

  /// Same as find(), given every maximal run of ASCII digits in `text`, in order (computed once by
  /// the caller and shared between recognizers).
  void find(std::string_view text, std::span<const Span> digit_runs, std::vector<Span>& out) const;

  /// The prefixes, longest first.
  const std::vector<std::string>& prefixes() const noexcept { return prefixes_; }

 private:
  TicketRecognizer(std::vector<std::string> prefixes, std::size_t min_digits)
      : prefixes_(std::move(prefixes)), min_digits_(min_digits) {
    for (const std::string& prefix : prefixes_) {
      last_prefix_bytes_[static_cast<unsigned char>(prefix.back())] = true;
    }
  }

  std::vector<std::string> prefixes_;  ///< longest first, ASCII letters lower-cased
  std::size_t min_digits_;
  std::array<bool, 256> last_prefix_bytes_{};  ///< the last byte of some prefix (lower-cased)
};

}  // namespace sluice::nodes::ner
