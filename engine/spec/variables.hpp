#pragma once
/// Internal: ${VAR} expansion in pipeline files.
///
///   ${NAME}           the variable's value; unset is an error
///   ${NAME:-default}  the value, or `default` (itself expanded) when unset or empty
///   $$                a literal '$' ("$$" never starts a reference)
///
/// Names are ASCII letters, digits and '_' (not starting with a digit). Values come from
/// LoadOptions::variables (--set) first, then the environment when use_environment is set; they
/// are inserted as they are, never expanded again.

#include <string>
#include <string_view>
#include <vector>

#include "sluice/pipeline_spec.hpp"
#include "sluice/value.hpp"

namespace sluice::detail {

/// `text` with every reference replaced. Each problem (unset variable, unterminated "${", bad
/// name) is appended to `problems` at `location`; the rest of the text is still expanded so all
/// problems of one scalar are reported together.
std::string expand_variables(std::string_view text, const SourceLocation& location,
                             const LoadOptions& options, std::vector<Diagnostic>& problems);

/// Expands every scalar in `value` (map keys are left alone).
void expand_value(Value& value, const LoadOptions& options, std::vector<Diagnostic>& problems);

}  // namespace sluice::detail
