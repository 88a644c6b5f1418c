// node_bench's entry point: Google Benchmark's flags, plus --rows=N for the size of the generated
// export every micro-benchmark works on (default 200000 rows, about 24 MB).

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ner_extract_bench.hpp"
#include "support/bench_data.hpp"

namespace {

// Takes --rows=N (or --rows N) out of argv; returns false on a malformed value.
bool take_rows_flag(int& argc, char** argv) {
  std::vector<char*> kept;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string value;
    if (arg.starts_with("--rows=")) {
      value = arg.substr(7);
    } else if (arg == "--rows" && i + 1 < argc) {
      value = argv[++i];
    } else {
      kept.push_back(argv[i]);
      continue;
    }
    char* end = nullptr;
    const unsigned long long rows = std::strtoull(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || rows == 0) return false;
    sluice::bench::set_export_rows(rows);
  }
  argc = static_cast<int>(kept.size());
  for (int i = 0; i < argc; ++i) argv[i] = kept[static_cast<std::size_t>(i)];
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!take_rows_flag(argc, argv)) {
    std::fprintf(stderr, "node_bench: --rows takes a positive number of rows\n");
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::AddCustomContext("export_rows", std::to_string(sluice::bench::export_rows()));
  benchmark::AddCustomContext("export_seed", std::to_string(sluice::bench::kSeed));
  try {
    sluice::bench::register_entity_benchmarks();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "node_bench: %s\n", error.what());
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
