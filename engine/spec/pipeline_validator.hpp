#pragma once
/// Internal: checking a PipelineSpec against a NodeRegistry and building its nodes, plus the
/// "did you mean" helpers that loading, option checking and validation share.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/node.hpp"
#include "sluice/node_registry.hpp"
#include "sluice/pipeline_spec.hpp"
#include "sluice/value.hpp"

namespace sluice::detail {

/// Every problem in `spec`, sorted into file order. When there are none and `built` is not null,
/// `built` receives one node per NodeSpec, in spec order (the factories run either way: they are
/// cheap and their option errors are part of validation).
std::vector<Diagnostic> validate_and_build(const PipelineSpec& spec, const NodeRegistry& registry,
                                           std::vector<std::unique_ptr<Node>>* built);

/// The candidate closest to `word` (case-insensitive edit distance with transpositions), when it
/// is close enough to be a plausible typo; ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

/// "; did you mean 'x'?" when a candidate is close to `word`, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

/// `message` + the did_you_mean hint + " <label>: a, b, c" (". <label>: ..." without a hint).
std::string with_suggestion(std::string message, std::string_view word,
                            const std::vector<std::string>& candidates, std::string_view label);

/// "a, b, c".
std::string join_names(const std::vector<std::string>& names);

/// True for names made of ASCII letters, digits, '_' and '-' (node and pipeline ids).
bool is_valid_id(std::string_view id);

}  // namespace sluice::detail
