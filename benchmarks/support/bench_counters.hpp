#pragma once
// Reporting helpers shared by the micro-benchmarks, so every one of them states its throughput in
// the same units: bytes of the input export per second (Google Benchmark's bytes_per_second, in
// binary MiB/s, and `input_bytes`, the same in decimal M/s = MB/s, the unit of the pipeline
// targets) and rows per second (items_per_second).

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "sluice/pipeline_spec.hpp"
#include "support/bench_nodes.hpp"

namespace sluice::bench {

/// Rates for `bytes` and `rows` processed per iteration.
inline void report_rates(benchmark::State& state, std::int64_t bytes, std::int64_t rows) {
  state.SetBytesProcessed(bytes * state.iterations());
  state.SetItemsProcessed(rows * state.iterations());
  state.counters["input_bytes"] = benchmark::Counter(
      static_cast<double>(bytes), benchmark::Counter::kIsIterationInvariantRate);
}

/// Page faults of this process so far that needed no disk (fresh or reclaimed memory).
inline std::int64_t minor_page_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

/// `page_faults`: the minor page faults per iteration since `faults_before`.
inline void report_page_faults(benchmark::State& state, std::int64_t faults_before) {
  state.counters["page_faults"] = benchmark::Counter(
      static_cast<double>(minor_page_faults() - faults_before), benchmark::Counter::kAvgIterations);
}

/// Runs `spec` once per iteration on `threads` workers (manual time: the engine's run, not the
/// build), checks what reached the sink (all `rows` for a rows sink, some bytes for a bytes
/// sink) and reports the rates, and the page faults per run (`page_faults`: memory the run took
/// fresh from the kernel; this program leaves glibc's allocator as a host program would). The
/// benchmark must be registered with UseManualTime().
inline void run_chain_benchmark(benchmark::State& state, const PipelineSpec& spec,
                                std::shared_ptr<const SourceData> data, int threads,
                                PayloadKind sink_kind, std::uint64_t rows, std::int64_t bytes) {
  const std::int64_t faults_before = minor_page_faults();
  try {
    for (auto _ : state) {
      auto tally = std::make_shared<SinkTally>();
      const NodeRegistry registry = bench_registry(data, tally);
      const RunReport report = run_chain(spec, registry, threads);
      state.SetIterationTime(report.elapsed_seconds);
      if (sink_kind == PayloadKind::rows && tally->rows.load() != rows) {
        const std::string message = "sink saw " + std::to_string(tally->rows.load()) +
                                    " rows, expected " + std::to_string(rows);
        state.SkipWithError(message.c_str());
        return;
      }
      if (sink_kind == PayloadKind::bytes && tally->bytes.load() == 0) {
        state.SkipWithError("sink saw no bytes");
        return;
      }
    }
  } catch (const std::exception& error) {
    state.SkipWithError(error.what());
    return;
  }
  report_rates(state, bytes, static_cast<std::int64_t>(rows));
  report_page_faults(state, faults_before);
}

}  // namespace sluice::bench
