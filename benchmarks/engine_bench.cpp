// The engine around the nodes: what a batch costs to pass from an in-memory source to a null sink
// (the floor under every chain benchmark), the whole utterance pipeline in memory (source ->
// csv_parse -> ner_extract -> csv_serialize -> null sink), which is pipeline_bench without file
// I/O, fsync or process start-up, and the pipeline file itself run through the library, files
// and all, as a host program embedding sluice runs it.

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sluice/pipeline.hpp"

#include "support/bench_counters.hpp"
#include "support/bench_data.hpp"
#include "support/bench_nodes.hpp"

namespace sluice::bench {

namespace {

void passthrough_rows(benchmark::State& state) {
  auto source = std::make_shared<SourceData>();
  source->kind = PayloadKind::rows;
  source->batches = &parsed_export().batches;
  run_chain_benchmark(state, chain_spec({}, PayloadKind::rows), source,
                      static_cast<int>(state.range(0)), PayloadKind::rows, parsed_export().rows,
                      export_bytes());
}

void passthrough_bytes(benchmark::State& state) {
  auto source = std::make_shared<SourceData>();
  source->kind = PayloadKind::bytes;
  source->chunks = export_data().chunks();
  run_chain_benchmark(state, chain_spec({}, PayloadKind::bytes), source,
                      static_cast<int>(state.range(0)), PayloadKind::bytes, export_data().rows,
                      export_bytes());
}

void in_memory_pipeline(benchmark::State& state, NerProfile profile) {
  auto source = std::make_shared<SourceData>();
  source->kind = PayloadKind::bytes;
  source->chunks = export_data().chunks();
  const PipelineSpec spec =
      chain_spec({node_spec("parse", "csv_parse"),
                  node_spec("entities", "ner_extract", ner_node_options(profile)),
                  node_spec("serialize", "csv_serialize")},
                 PayloadKind::bytes);
  run_chain_benchmark(state, spec, source, static_cast<int>(state.range(0)), PayloadKind::bytes,
                      export_data().rows, export_bytes());
}

// The export written once to a temporary directory, removed when the program ends.
class ExportFiles {
 public:
  ExportFiles()
      : dir_(std::filesystem::temp_directory_path() /
             ("sluice-node-bench-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
    std::ofstream out(input(), std::ios::binary);
    const std::string& text = *export_data().text;
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.flush()) throw Error(StatusCode::io_error, "cannot write " + input());
  }
  ~ExportFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  ExportFiles(const ExportFiles&) = delete;
  ExportFiles& operator=(const ExportFiles&) = delete;

  std::string input() const { return (dir_ / "export.csv").string(); }
  std::string output() const { return (dir_ / "enriched.csv").string(); }

 private:
  std::filesystem::path dir_;
};

const ExportFiles& export_files() {
  static const ExportFiles files;
  return files;
}

// This program leaves glibc's allocator at its defaults, as a host program would (the sluice
// binary tunes it): `page_faults` shows whether the engine recycles batch memory or takes it from
// the kernel anew for every batch.
void file_pipeline(benchmark::State& state, NerProfile profile) {
  const std::int64_t faults_before = minor_page_faults();
  try {
    const ExportFiles& files = export_files();
    LoadOptions load;
    load.variables = {{"input", files.input()}, {"output", files.output()}};
    load.use_environment = false;
    auto spec = load_pipeline_file(pipeline_path(profile), load);
    if (!spec) throw Error(spec.status());
    const NodeRegistry registry = builtin_registry();
    for (auto _ : state) {
      // Not timed: replacing the last run's output would time the kernel freeing it.
      std::filesystem::remove(files.output());
      auto pipeline = Pipeline::build(*spec, registry);
      if (!pipeline) throw Error(pipeline.status());
      RunOptions options;
      options.threads = static_cast<int>(state.range(0));
      const RunReport report = (*pipeline)->run(options);
      if (!report.status.ok()) throw Error(report.status);
      state.SetIterationTime(report.elapsed_seconds);
    }
  } catch (const std::exception& error) {
    state.SkipWithError(error.what());
    return;
  }
  report_rates(state, export_bytes(), static_cast<std::int64_t>(export_data().rows));
  report_page_faults(state, faults_before);
}

// 1 thread, and every core when there are more.
void thread_counts(benchmark::internal::Benchmark* bench) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  bench->ArgName("threads")->Arg(1);
  if (cores > 1) bench->Arg(cores);
}

}  // namespace

BENCHMARK(passthrough_rows)
    ->Name("engine/passthrough/rows")
    ->ArgName("threads")
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(passthrough_bytes)
    ->Name("engine/passthrough/bytes")
    ->ArgName("threads")
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(in_memory_pipeline, standard, NerProfile::standard)
    ->Name("engine/in_memory_pipeline/standard")
    ->Apply(thread_counts)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(in_memory_pipeline, heavy, NerProfile::heavy)
    ->Name("engine/in_memory_pipeline/heavy")
    ->Apply(thread_counts)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(file_pipeline, standard, NerProfile::standard)
    ->Name("engine/file_pipeline/standard")
    ->Apply(thread_counts)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace sluice::bench
