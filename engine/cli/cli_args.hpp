#pragma once
// Command-line parsing shared by the sluice subcommands: positional arguments, --flag value,
// --flag=value and repeated --set key=value.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sluice/status.hpp"

namespace sluice::cli {

struct FlagSpec {
  std::string name;      // without the leading dashes
  bool takes_value = true;
  std::string help;
};

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;         // last value of each flag
  std::map<std::string, std::string> set_variables;  // --set key=value
  std::vector<std::string> switches;                 // flags without a value that were given

  bool has(const std::string& name) const;
  std::optional<std::string> value(const std::string& name) const;
  /// The flag as a positive integer; an error names the flag.
  Result<long> positive_integer(const std::string& name, long fallback) const;
};

/// Parses `argv` (after the subcommand) against `flags`; --set is always accepted.
Result<Args> parse_args(const std::vector<std::string>& argv, const std::vector<FlagSpec>& flags);

/// The flags' help lines, aligned.
std::string describe_flags(const std::vector<FlagSpec>& flags);

}  // namespace sluice::cli
