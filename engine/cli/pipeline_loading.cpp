#include "cli/pipeline_loading.hpp"

#include <cstdio>

namespace sluice::cli {

namespace {

void print_lines(const std::string& text) {
  std::fprintf(stderr, "%s\n", text.c_str());
}

}  // namespace

std::optional<PipelineSpec> load_checked_pipeline(const std::string& path, const Args& args,
                                                  const NodeRegistry& registry) {
  LoadOptions options;
  options.variables = args.set_variables;
  auto spec = load_pipeline_file(path, options);
  if (!spec) {
    print_lines(spec.status().message());
    return std::nullopt;
  }
  const auto problems = validate_pipeline(*spec, registry);
  if (!problems.empty()) {
    for (const auto& problem : problems) print_lines(problem.describe());
    std::fprintf(stderr, "%zu problem%s found in %s\n", problems.size(),
                 problems.size() == 1 ? "" : "s", path.c_str());
    return std::nullopt;
  }
  return std::move(spec).value();
}

}  // namespace sluice::cli
