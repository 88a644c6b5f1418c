#pragma once
// The texts a NER recognizer finds, in order: what recognizer tests compare against.

#include <string>
#include <string_view>
#include <vector>

#include "support/ner/recognizer.hpp"

namespace sluice::testing {

inline std::vector<std::string> matched_texts(const nodes::ner::Recognizer& recognizer,
                                              std::string_view text) {
  std::vector<nodes::ner::Span> spans;
  recognizer.find(text, spans);
  std::vector<std::string> out;
  for (const auto& span : spans) out.emplace_back(text.substr(span.begin, span.end - span.begin));
  return out;
}

}  // namespace sluice::testing
