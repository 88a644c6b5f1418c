// Fuzz harness for pipeline files: YAML text (with ${VAR} expansion) through loading, validation
// against the builtin nodes, ordering and DOT rendering. Any text must give either a spec or
// problems, never a crash, a hang or an exception; every problem must say something and point
// into the file (a line the file has, or 0 when unknown).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/node_registry.hpp"
#include "sluice/pipeline_spec.hpp"
#include "spec/pipeline_loader_detail.hpp"
#include "support/fuzz_support.hpp"

namespace {

using sluice::fuzz::escaped;

void check_diagnostic(const sluice::Diagnostic& d, std::size_t lines, std::string_view text) {
  const std::string where = "in \"" + escaped(text) + "\": " + d.describe();
  SLUICE_FUZZ_CHECK(!d.message.empty(), "a problem without a message " + where);
  SLUICE_FUZZ_CHECK(d.location.line >= 0 && static_cast<std::size_t>(d.location.line) <= lines + 1,
                    "a problem outside the file " + where);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const sluice::NodeRegistry registry = sluice::builtin_registry();
  sluice::fuzz::FuzzInput input(data, size);
  sluice::LoadOptions options;
  options.use_environment = false;
  options.variables["input"] = std::string(input.take_text(16));
  options.variables["rows"] = std::string(input.take_text(8));
  const std::string text(input.rest());
  const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;

  std::vector<sluice::Diagnostic> problems;
  auto spec = sluice::detail::load_pipeline(text, "fuzz.yaml", options, problems);
  SLUICE_FUZZ_CHECK(spec.ok() == problems.empty(),
                    "loaded: " + std::to_string(spec.ok()) + " with " +
                        std::to_string(problems.size()) + " problems");
  for (const auto& problem : problems) check_diagnostic(problem, lines, text);
  if (!spec.ok()) return 0;

  for (const auto& problem : sluice::validate_pipeline(*spec, registry)) {
    check_diagnostic(problem, lines, text);
  }
  const auto order = sluice::topological_order(*spec);
  if (order) {
    SLUICE_FUZZ_CHECK(order->size() == spec->nodes.size(), "an order that misses nodes");
  }
  const std::string dot = sluice::render_dot(*spec, registry);
  SLUICE_FUZZ_CHECK(dot.starts_with("digraph"), "DOT text: " + escaped(dot));
  return 0;
}
