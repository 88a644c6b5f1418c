// The engine around the nodes: what a batch costs to pass from an in-memory source to a null sink
// (the floor under every chain benchmark), and the whole utterance pipeline in memory (source ->
// csv_parse -> ner_extract -> csv_serialize -> null sink), which is pipeline_bench without file
// I/O, fsync or process start-up.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <thread>

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

}  // namespace sluice::bench
