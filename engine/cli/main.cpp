// sluice: runs declarative streaming pipelines. Dispatches to the subcommands.
#include <malloc.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace {

constexpr const char* kUsage = R"(usage: sluice <command> [options]

commands:
  run FILE        run a pipeline file
  validate FILE   check a pipeline file and list every problem
  graph FILE      print the pipeline as Graphviz DOT
  nodes [TYPE]    list node types with their options and defaults
  sample          write a generated utterance export (CSV) for trying pipelines
  emulate         serve the platform API on loopback (try pipelines without a tenant)
  version         print the version

Pipeline files take --set KEY=VALUE for their ${KEY} variables (overriding the environment).
Run 'sluice <command> --help' for a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
  // Batches are ~1 MiB buffers allocated and freed all the time. By default glibc returns such
  // blocks to the kernel and faults them in again on the next batch: on a 120 MB export that was
  // 130,000 page faults and a third of the CPU time. The engine's block pool now keeps the batch
  // buffers themselves, in programs that embed the engine too (sluice/block_pool.hpp); these
  // settings keep the rest in the heap, worth 1-2% here (1M rows, 1 thread, 40 rounds).
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  // Batches are allocated on one worker thread and freed on another. With one glibc arena per
  // thread, each arena's free blocks fragment separately and the heap kept growing with the
  // input (2 threads: 51 -> 62 MiB peak from 1M to 8M rows); one shared arena stays flat (50 MiB
  // for both). Allocations are per batch, not per row, so the shared lock is not contended.
  mallopt(M_ARENA_MAX, 1);
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return sluice::cli::kExitUsage;
  }
  const std::string command = argv[1];
  const std::vector<std::string> rest(argv + 2, argv + argc);
  if (command == "run") return sluice::cli::run_command(rest);
  if (command == "validate") return sluice::cli::validate_command(rest);
  if (command == "graph") return sluice::cli::graph_command(rest);
  if (command == "nodes") return sluice::cli::nodes_command(rest);
  if (command == "sample") return sluice::cli::sample_command(rest);
  if (command == "emulate") return sluice::cli::emulate_command(rest);
  if (command == "version" || command == "--version") {
    std::printf("sluice %s\n", SLUICE_VERSION);
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "error: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return sluice::cli::kExitUsage;
}
