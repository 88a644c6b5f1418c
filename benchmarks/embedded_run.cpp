// embedded_run: `sluice run` as a program embedding the library runs it, with glibc's allocator
// left at its defaults (the sluice binary tunes it in main(); this main() does not). Same
// arguments, same report, so
//
//   build/benchmarks/pipeline_bench --sluice build/benchmarks/embedded_run
//
// measures the engine as host programs get it.
//
//   embedded_run run FILE [--set KEY=VALUE]... [options of `sluice run`]
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "run") {
    std::fputs("usage: embedded_run run FILE [options of sluice run]\n", stderr);
    return sluice::cli::kExitUsage;
  }
  return sluice::cli::run_command(std::vector<std::string>(argv + 2, argv + argc));
}
