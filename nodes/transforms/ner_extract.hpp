#pragma once
/// ner_extract: rows -> rows. Finds named entities in the text column (the first of
/// `text_columns` present, case-insensitive) and appends one column per entity, `ner_<name>`,
/// holding the distinct matches in order of first appearance joined by ';'. Built-in entities:
/// dates, phones, emails, tickets, cards (each checked by a validator, so distractors such as
/// versions, prices, times or order numbers are not entities); user-defined ones by PCRE2 regex.
/// Patterns are compiled once (JIT); rows are processed in parallel on every core.

#include <string>
#include <vector>

#include "sluice/node_registry.hpp"
#include "support/ner/entity_extractor.hpp"

namespace sluice::nodes {

struct NerExtractOptions {
  std::vector<std::string> text_columns = {"utterance", "text"};
  std::string column_prefix = "ner_";
  ner::ExtractorConfig extractor;
};

NodeType ner_extract_type();

}  // namespace sluice::nodes
