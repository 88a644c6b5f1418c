#include <cstdio>

#include "cli/cli_args.hpp"
#include "cli/commands.hpp"
#include "sluice/node_registry.hpp"

namespace sluice::cli {

namespace {

const char* role_name(NodeRole role) {
  switch (role) {
    case NodeRole::source: return "source";
    case NodeRole::transform: return "transform";
    case NodeRole::sink: return "sink";
  }
  return "?";
}

void print_option(const OptionSpec& option, const std::string& indent) {
  std::string line = indent + option.name + " (" + option_type_name(option.type);
  if (option.required()) {
    line += ", required";
  } else if (option.fallback) {
    line += ", default " + (option.secret ? std::string("***") : *option.fallback);
  } else {
    line += ", optional";
  }
  if (option.secret) line += ", secret";
  line += ")";
  std::printf("%s\n%s    %s\n", line.c_str(), indent.c_str(), option.help.c_str());
  if (!option.choices.empty()) {
    std::string choices;
    for (const auto& choice : option.choices) choices += (choices.empty() ? "" : ", ") + choice;
    std::printf("%s    one of: %s\n", indent.c_str(), choices.c_str());
  }
  for (const auto& field : option.fields) print_option(field, indent + "    ");
}

}  // namespace

int nodes_command(const std::vector<std::string>& argv) {
  const std::vector<FlagSpec> flags = {{"help", false, "show this help"}};
  auto args = parse_args(argv, flags);
  if (!args) return report_error(args.status().message(), kExitUsage);
  if (args->has("help") || args->positional.size() > 1) {
    std::printf("usage: sluice nodes [TYPE]\n\nLists node types with their options and defaults.\n");
    return args->has("help") ? 0 : kExitUsage;
  }
  const NodeRegistry registry = builtin_registry();
  bool found = false;
  for (const NodeType* type : registry.types()) {
    if (!args->positional.empty() && type->key != args->positional[0]) continue;
    found = true;
    std::printf("%s  [%s]\n    %s\n", type->key.c_str(), role_name(type->role),
                type->summary.c_str());
    for (const auto& option : type->options) print_option(option, "    ");
    std::printf("\n");
  }
  if (!found) {
    std::string known;
    for (const auto& key : registry.keys()) known += (known.empty() ? "" : ", ") + key;
    return report_error("unknown node type '" + args->positional[0] + "'; known types: " + known);
  }
  return 0;
}

}  // namespace sluice::cli
