#include "support/csv_options.hpp"

namespace sluice::nodes {

OptionSpec csv_delimiter_option() {
  return option_with_default("delimiter", OptionType::string, ",",
                             "field separator: one ASCII character (\"\\t\" or tab for a tab)");
}

Result<char> read_csv_delimiter(const NodeOptions& options) {
  std::string delimiter = options.get_string("delimiter");
  if (delimiter == "\\t" || delimiter == "tab") delimiter = "\t";
  const bool usable = delimiter.size() == 1 && delimiter[0] != '"' && delimiter[0] != '\n' &&
                      delimiter[0] != '\r' && static_cast<unsigned char>(delimiter[0]) < 0x80;
  if (!usable) {
    return options.error("delimiter",
                         "must be one ASCII character other than a quote or a line break");
  }
  return delimiter[0];
}

}  // namespace sluice::nodes
