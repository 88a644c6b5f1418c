#include <cstdio>

#include "cli/commands.hpp"
#include "cli/pipeline_loading.hpp"

namespace sluice::cli {

int graph_command(const std::vector<std::string>& argv) {
  const std::vector<FlagSpec> flags = {{"help", false, "show this help"}};
  auto args = parse_args(argv, flags);
  if (!args) return report_error(args.status().message(), kExitUsage);
  if (args->has("help") || args->positional.size() != 1) {
    std::printf("usage: sluice graph FILE [--set KEY=VALUE]...\n\n"
                "Prints the pipeline as Graphviz DOT (render with: dot -Tsvg).\n");
    return args->has("help") ? 0 : kExitUsage;
  }
  const NodeRegistry registry = builtin_registry();
  auto spec = load_checked_pipeline(args->positional[0], *args, registry);
  if (!spec) return kExitFailure;
  std::fputs(render_dot(*spec, registry).c_str(), stdout);
  return 0;
}

}  // namespace sluice::cli
