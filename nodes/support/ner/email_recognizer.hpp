#pragma once
/// EmailRecognizer: e-mail addresses, a practical subset of RFC 5322 found around each '@'.
///
///   - local part: 1-64 ASCII letters, digits and . _ % + - ("a.b+tag", "first_last"); it neither
///     starts nor ends with '.', and has no "..". Dots before it are taken as punctuation and
///     left out ("...bob@x.org" gives "bob@x.org"; "see...bob@x.org" has a ".." and gives nothing).
///   - domain: 2+ labels of ASCII letters, digits and '-' joined by single dots (at most 253
///     bytes, labels 1-63 bytes, not starting or ending with '-'); the last label (TLD) is 2+
///     letters. Dots at the end are sentence punctuation and left out ("... @mail.example.co.uk.").
///   - not glued: the address must not touch a non-ASCII letter or another '@' on either side,
///     nor '_' after the domain; an address with "..", a bad label or a numeric TLD is dropped
///     whole rather than trimmed to a shorter address.
/// Not supported: quoted local parts, IP-literal domains, internationalized (non-ASCII) addresses.
/// Texts without '@' cost one memchr.

#include <memory>
#include <string_view>
#include <vector>

#include "sluice/status.hpp"
#include "support/ner/recognizer.hpp"

namespace sluice::nodes::ner {

class EmailRecognizer final : public Recognizer {
 public:
  /// Never fails; a Result for symmetry with the other recognizers.
  static Result<std::unique_ptr<EmailRecognizer>> create();

  /// See Recognizer::find.
  void find(std::string_view text, std::vector<Span>& out) const override;

 private:
  EmailRecognizer() = default;
};

}  // namespace sluice::nodes::ner
