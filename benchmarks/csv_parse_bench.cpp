// csv_parse: the serial framer, the field splitter (the node's parallel step, here on one thread;
// also without the blocks' record counts, as the node calls it) and both together, in isolation
// and as a node between an in-memory source and a null sink.

#include <benchmark/benchmark.h>

#include <vector>

#include "support/bench_counters.hpp"
#include "support/bench_data.hpp"
#include "support/bench_nodes.hpp"
#include "support/csv_framer.hpp"
#include "support/csv_row_parser.hpp"

namespace sluice::bench {

namespace {

void csv_frame(benchmark::State& state) {
  const ExportData& data = export_data();
  const std::vector<ByteChunk> chunks = data.chunks();
  std::uint64_t records = 0;
  for (auto _ : state) {
    csv::CsvFramer framer;
    records = 0;
    for (const ByteChunk& chunk : chunks) {
      records += framer.feed(chunk.owner, chunk.bytes).record_count();
    }
    records += framer.finish().record_count;
    benchmark::DoNotOptimize(records);
  }
  if (records != data.rows + 1) {
    state.SkipWithError("framer found the wrong number of records");
    return;
  }
  report_rates(state, export_bytes(), static_cast<std::int64_t>(data.rows));
}

// Splits every block into rows, once per iteration.
void split_blocks(benchmark::State& state, const std::vector<csv::RecordBlock>& blocks) {
  const ParsedExport& parsed = parsed_export();
  const csv::Dialect dialect;
  std::uint64_t rows = 0;
  for (auto _ : state) {
    rows = 0;
    for (const csv::RecordBlock& block : blocks) {
      rows += csv::parse_rows(block, parsed.columns, dialect).rows.size();
    }
    benchmark::DoNotOptimize(rows);
  }
  if (rows != parsed.rows) {
    state.SkipWithError("splitter produced the wrong number of rows");
    return;
  }
  report_rates(state, export_bytes(), static_cast<std::int64_t>(parsed.rows));
}

void csv_split(benchmark::State& state) { split_blocks(state, parsed_export().blocks); }

// The same blocks without their record count, as csv_parse's parallel step sees them (it rebuilds
// each block from a ByteChunk): parse_rows then sizes its rows from the first records.
void csv_split_without_count(benchmark::State& state) {
  std::vector<csv::RecordBlock> blocks = parsed_export().blocks;
  for (csv::RecordBlock& block : blocks) block.record_count = 0;
  split_blocks(state, blocks);
}

void csv_frame_and_split(benchmark::State& state) {
  const ExportData& data = export_data();
  std::uint64_t rows = 0;
  for (auto _ : state) {
    rows = frame_and_parse(data, nullptr);
    benchmark::DoNotOptimize(rows);
  }
  if (rows != data.rows) {
    state.SkipWithError("parsed the wrong number of rows");
    return;
  }
  report_rates(state, export_bytes(), static_cast<std::int64_t>(data.rows));
}

void csv_parse_chain(benchmark::State& state) {
  auto source = std::make_shared<SourceData>();
  source->kind = PayloadKind::bytes;
  source->chunks = export_data().chunks();
  const PipelineSpec spec = chain_spec({node_spec("parse", "csv_parse")}, PayloadKind::rows);
  run_chain_benchmark(state, spec, source, static_cast<int>(state.range(0)), PayloadKind::rows,
                      export_data().rows, export_bytes());
}

}  // namespace

BENCHMARK(csv_frame)->Name("csv_parse/frame")->Unit(benchmark::kMillisecond);
BENCHMARK(csv_split)->Name("csv_parse/split")->Unit(benchmark::kMillisecond);
BENCHMARK(csv_split_without_count)
    ->Name("csv_parse/split/without_count")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(csv_frame_and_split)->Name("csv_parse/isolated")->Unit(benchmark::kMillisecond);
BENCHMARK(csv_parse_chain)
    ->Name("csv_parse/chain")
    ->ArgName("threads")
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace sluice::bench
