#pragma once
// Loading a pipeline file for a subcommand: --set variables, every problem printed one per line.

#include <optional>
#include <string>

#include "cli/cli_args.hpp"
#include "sluice/node_registry.hpp"
#include "sluice/pipeline_spec.hpp"

namespace sluice::cli {

/// Loads and validates `path`; prints each problem as "file:line:col: message" on stderr and
/// returns nullopt when there are any.
std::optional<PipelineSpec> load_checked_pipeline(const std::string& path, const Args& args,
                                                  const NodeRegistry& registry);

}  // namespace sluice::cli
