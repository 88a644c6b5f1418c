#pragma once
/// Options shared by the CSV nodes (csv_parse, csv_serialize), declared and checked once.

#include "sluice/options.hpp"
#include "sluice/status.hpp"

namespace sluice::nodes {

/// The `delimiter` option: one ASCII character; "\t" or "tab" for a tab.
OptionSpec csv_delimiter_option();
/// Reads and checks the `delimiter` option.
Result<char> read_csv_delimiter(const NodeOptions& options);

}  // namespace sluice::nodes
