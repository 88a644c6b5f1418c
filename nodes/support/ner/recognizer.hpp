#pragma once
/// Recognizer: the interface every named-entity recognizer (dates, phones, emails, tickets, cards)
/// implements, and Span, the occurrence it reports.

#include <cstddef>
#include <string_view>
#include <vector>

namespace sluice::nodes::ner {

/// A validated entity occurrence: byte offsets into the text.
struct Span {
  std::size_t begin = 0;  ///< offset of the first byte
  std::size_t end = 0;    ///< one past the last byte
};

/// Finds one kind of entity. Immutable after construction; find() is called from many threads at
/// once.
class Recognizer {
 public:
  virtual ~Recognizer() = default;
  /// Appends every validated occurrence in `text` to `out`, in order of position, non-overlapping.
  /// `text` is valid UTF-8 (the caller checks once per text).
  virtual void find(std::string_view text, std::vector<Span>& out) const = 0;
};

}  // namespace sluice::nodes::ner
