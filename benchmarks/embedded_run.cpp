// embedded_run: runs a pipeline file through the library, as a program embedding sluice does:
// glibc's allocator left at its defaults (the sluice binary tunes it in main()), built-in nodes
// only. It takes the arguments pipeline_bench gives the sluice binary, so
//
//   build/benchmarks/pipeline_bench --sluice build/benchmarks/embedded_run
//
// measures the engine as host programs get it.
//
//   embedded_run run FILE [--set KEY=VALUE]... [--threads N] [--quiet] [--report PATH]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <string_view>

#include "sluice/sluice.hpp"

namespace {

int usage() {
  std::fputs(
      "usage: embedded_run run FILE [--set KEY=VALUE]... [--threads N] [--quiet] "
      "[--report PATH]\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || std::string_view(argv[1]) != "run") return usage();
  const std::string file = argv[2];
  sluice::LoadOptions load;
  sluice::RunOptions options;
  std::string report_path;
  for (int i = 3; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--quiet") continue;
    if (i + 1 >= argc) return usage();
    const std::string value = argv[++i];
    if (flag == "--set") {
      const auto equals = value.find('=');
      if (equals == std::string::npos) return usage();
      load.variables[value.substr(0, equals)] = value.substr(equals + 1);
    } else if (flag == "--threads") {
      options.threads = std::atoi(value.c_str());
    } else if (flag == "--report") {
      report_path = value;
    } else {
      return usage();
    }
  }

  auto spec = sluice::load_pipeline_file(file, load);
  if (!spec) {
    std::fprintf(stderr, "%s\n", spec.status().message().c_str());
    return 1;
  }
  const sluice::NodeRegistry registry = sluice::builtin_registry();
  auto pipeline = sluice::Pipeline::build(*spec, registry);
  if (!pipeline) {
    std::fprintf(stderr, "%s\n", pipeline.status().message().c_str());
    return 1;
  }
  const sluice::RunReport report = (*pipeline)->run(options);
  if (!report_path.empty()) {
    std::ofstream out(report_path);
    out << report.to_json();
    if (!out) std::fprintf(stderr, "cannot write the report to %s\n", report_path.c_str());
  }
  if (!report.status.ok()) {
    std::fprintf(stderr, "%s\n", report.status.message().c_str());
    return 1;
  }
  return 0;
}
