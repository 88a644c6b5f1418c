#include <cstdio>

#include "cli/commands.hpp"
#include "cli/pipeline_loading.hpp"

namespace sluice::cli {

int report_error(const std::string& message, int code) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return code;
}

int validate_command(const std::vector<std::string>& argv) {
  const std::vector<FlagSpec> flags = {{"help", false, "show this help"}};
  auto args = parse_args(argv, flags);
  if (!args) return report_error(args.status().message(), kExitUsage);
  if (args->has("help") || args->positional.size() != 1) {
    std::printf("usage: sluice validate FILE [--set KEY=VALUE]...\n\n"
                "Checks a pipeline file and prints every problem as file:line:column: message.\n"
                "Exit code 0 when the pipeline is valid, 1 otherwise.\n");
    return args->has("help") ? 0 : kExitUsage;
  }
  const NodeRegistry registry = builtin_registry();
  auto spec = load_checked_pipeline(args->positional[0], *args, registry);
  if (!spec) return kExitFailure;
  std::printf("%s: pipeline '%s' is valid (%zu nodes)\n", args->positional[0].c_str(),
              spec->id.c_str(), spec->nodes.size());
  return 0;
}

}  // namespace sluice::cli
