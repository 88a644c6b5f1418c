#include "cli/cli_args.hpp"

#include <algorithm>

namespace sluice::cli {

bool Args::has(const std::string& name) const {
  return values.count(name) != 0 ||
         std::find(switches.begin(), switches.end(), name) != switches.end();
}

std::optional<std::string> Args::value(const std::string& name) const {
  const auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

Result<long> Args::positive_integer(const std::string& name, long fallback) const {
  const auto text = value(name);
  if (!text) return fallback;
  try {
    std::size_t used = 0;
    const long number = std::stol(*text, &used);
    if (used == text->size() && number > 0) return number;
  } catch (const std::exception&) {
  }
  return invalid_argument("--" + name + " expects a positive whole number, got '" + *text + "'");
}

Result<Args> parse_args(const std::vector<std::string>& argv, const std::vector<FlagSpec>& flags) {
  Args args;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word.size() < 2 || word.rfind("--", 0) != 0) {
      args.positional.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    const bool is_set = name == "set";
    const auto spec = std::find_if(flags.begin(), flags.end(),
                                   [&](const FlagSpec& flag) { return flag.name == name; });
    if (!is_set && spec == flags.end()) {
      return invalid_argument("unknown option --" + name + " (see --help)");
    }
    const bool takes_value = is_set || spec->takes_value;
    if (!takes_value) {
      if (inline_value) return invalid_argument("--" + name + " takes no value");
      args.switches.push_back(name);
      continue;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < argv.size()) {
      value = argv[++i];
    } else {
      return invalid_argument("--" + name + " needs a value");
    }
    if (is_set) {
      const auto eq = value.find('=');
      if (eq == std::string::npos || eq == 0) {
        return invalid_argument("--set expects key=value, got '" + value + "'");
      }
      args.set_variables[value.substr(0, eq)] = value.substr(eq + 1);
    } else {
      args.values[name] = value;
    }
  }
  return args;
}

std::string describe_flags(const std::vector<FlagSpec>& flags) {
  std::string out;
  for (const auto& flag : flags) {
    std::string left = "  --" + flag.name + (flag.takes_value ? " VALUE" : "");
    if (left.size() < 26) left.resize(26, ' ');
    out += left + " " + flag.help + "\n";
  }
  return out;
}

}  // namespace sluice::cli
