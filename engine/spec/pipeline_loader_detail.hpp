#pragma once
/// Internal: pipeline loading with its problems kept as separate diagnostics, so a caller (the
/// CLI) can print them one per line instead of parsing a joined Status message.

#include <string>
#include <vector>

#include "sluice/pipeline_spec.hpp"
#include "sluice/status.hpp"
#include "sluice/value.hpp"

namespace sluice::detail {

/// Parses and expands `text` (named `file_name` in locations). Every problem is appended to
/// `diagnostics` in file order; when there is any, the result is an invalid_argument Status whose
/// message is their describe() lines joined by '\n'.
Result<PipelineSpec> load_pipeline(const std::string& text, const std::string& file_name,
                                   const LoadOptions& options,
                                   std::vector<Diagnostic>& diagnostics);

/// The whole content of a pipeline file; not_found when it does not exist, io_error when it
/// cannot be read.
Result<std::string> read_pipeline_file(const std::string& path);

}  // namespace sluice::detail
