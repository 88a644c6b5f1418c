// csv_serialize: csv::append_rows over the parsed rows and over the enriched rows (with the ner_*
// columns, what the pipeline serializes; also without the raw text of the original columns, the
// path of a transform that changes them), in isolation and as a node between an in-memory source
// and a null sink.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "support/bench_counters.hpp"
#include "support/bench_data.hpp"
#include "support/bench_nodes.hpp"
#include "support/csv_writer.hpp"

namespace sluice::bench {

namespace {

void serialize_all(benchmark::State& state, const std::vector<RowBatch>& batches) {
  const csv::WriterOptions writer;
  std::uint64_t written = 0;
  for (auto _ : state) {
    written = 0;
    for (const RowBatch& batch : batches) {
      // A fresh string per batch, as the node does: its output chunk is handed downstream.
      std::string text;
      csv::append_rows(batch, text, writer);
      written += text.size();
      benchmark::DoNotOptimize(text.data());
    }
  }
  report_rates(state, export_bytes(), static_cast<std::int64_t>(parsed_export().rows));
  state.counters["output_bytes"] = benchmark::Counter(
      static_cast<double>(written), benchmark::Counter::kIsIterationInvariantRate);
}

void serialize_parsed(benchmark::State& state) { serialize_all(state, parsed_export().batches); }

void serialize_enriched(benchmark::State& state) { serialize_all(state, enriched_batches()); }

void serialize_requoted(benchmark::State& state) {
  serialize_all(state, enriched_batches(RawText::drop));
}

void serialize_chain(benchmark::State& state) {
  auto source = std::make_shared<SourceData>();
  source->kind = PayloadKind::rows;
  source->batches = &enriched_batches();
  const PipelineSpec spec =
      chain_spec({node_spec("serialize", "csv_serialize")}, PayloadKind::bytes);
  run_chain_benchmark(state, spec, source, static_cast<int>(state.range(0)), PayloadKind::bytes,
                      parsed_export().rows, export_bytes());
}

}  // namespace

BENCHMARK(serialize_parsed)->Name("csv_serialize/isolated/parsed")->Unit(benchmark::kMillisecond);
BENCHMARK(serialize_enriched)
    ->Name("csv_serialize/isolated/enriched")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(serialize_requoted)
    ->Name("csv_serialize/isolated/enriched_without_raw")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(serialize_chain)
    ->Name("csv_serialize/chain/enriched")
    ->ArgName("threads")
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace sluice::bench
