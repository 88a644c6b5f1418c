#pragma once
/// CardRecognizer: payment card numbers (PANs) that pass the Luhn check.
///
///   - 13-19 ASCII digits, written as one run ("378282246310005") or in groups joined by single
///     spaces or by single dashes (one kind per number): the first group has 4 digits, middle
///     groups 4-6, the last 1-6 ("4111 1111 1111 1111", "4111-1111-1111-1111", "3782 822463 10005",
///     "4222 2222 2222 2").
///   - the digits pass the Luhn checksum.
///   - not glued: no letter (any script), digit or '_' on either side; not after one of
///     # $ % & * + - . / @ \ ^ | ~ (ids, amounts, phone "+CC", hyphenated tokens), nor after a
///     digit and ',' or ':'; not continued by '@' or by '-', '.', ',', '/' or ':' and a digit.
///   - a space-grouped card may sit inside a longer space-grouped digit sequence: the first
///     (leftmost) card layout that is Luhn-valid is taken ("ref 12 4111 1111 1111 1111").
/// Phones, dates, times and prices never reach 13 digits in a card layout.

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "sluice/status.hpp"
#include "support/ner/recognizer.hpp"

namespace sluice::nodes::ner {

class CardRecognizer final : public Recognizer {
 public:
  /// Never fails; a Result for symmetry with the other recognizers.
  static Result<std::unique_ptr<CardRecognizer>> create();

  /// See Recognizer::find.
  void find(std::string_view text, std::vector<Span>& out) const override;

  /// Same as find(), given every maximal run of ASCII digits in `text`, in order (computed once by
  /// the caller and shared between recognizers).
  void find(std::string_view text, std::span<const Span> digit_runs, std::vector<Span>& out) const;

 private:
  CardRecognizer() = default;
};

}  // namespace sluice::nodes::ner
