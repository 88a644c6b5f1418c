// ner_extract: EntityExtractor::extract over the text column (the node's parallel step, here on one
// thread) with the standard entities and with the heavy profile (cards and 10 user patterns), each
// entity on its own, the heavy profile's pattern prefilter alone, and the node between an
// in-memory source and a null sink.

#include "ner_extract_bench.hpp"

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "support/bench_counters.hpp"
#include "support/bench_data.hpp"
#include "support/bench_nodes.hpp"
#include "support/ner/entity_extractor.hpp"
#include "support/ner/match_filter_set.hpp"
#include "support/ner/regex_recognizer.hpp"
#include "support/ner/text_scan.hpp"

namespace sluice::bench {

namespace {

// Calls the extractor on every row's text; the loop the node runs, without building batches.
void extract_all(benchmark::State& state, const nodes::ner::ExtractorConfig& config) {
  const ParsedExport& parsed = parsed_export();
  std::shared_ptr<const nodes::ner::EntityExtractor> extractor;
  try {
    extractor = make_extractor(config);
  } catch (const std::exception& error) {
    state.SkipWithError(error.what());
    return;
  }
  std::vector<std::string> values(extractor->entity_count());
  std::uint64_t found = 0;
  for (auto _ : state) {
    found = 0;
    for (const RowBatch& batch : parsed.batches) {
      for (std::size_t r = 0; r < batch.size(); ++r) {
        extractor->extract(batch.field(r, parsed.text_column), values);
        for (const std::string& value : values) found += !value.empty();
      }
    }
    benchmark::DoNotOptimize(found);
  }
  report_rates(state, export_bytes(), static_cast<std::int64_t>(parsed.rows));
  state.counters["text_bytes"] = benchmark::Counter(
      static_cast<double>(parsed.text_bytes), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["hits/row"] = static_cast<double>(found) / static_cast<double>(parsed.rows);
}

// The digit-run scan every digit-driven recognizer shares, alone: most texts are shorter than its
// 64-byte block (see text_scan.cpp for why short texts take overlapping loads).
void digit_runs(benchmark::State& state) {
  const ParsedExport& parsed = parsed_export();
  std::vector<nodes::ner::Span> runs;
  std::uint64_t found = 0;
  for (auto _ : state) {
    found = 0;
    for (const RowBatch& batch : parsed.batches) {
      for (std::size_t r = 0; r < batch.size(); ++r) {
        nodes::ner::collect_digit_runs(batch.field(r, parsed.text_column), runs);
        found += runs.size();
      }
    }
    benchmark::DoNotOptimize(found);
  }
  report_rates(state, export_bytes(), static_cast<std::int64_t>(parsed.rows));
  state.counters["runs/row"] = static_cast<double>(found) / static_cast<double>(parsed.rows);
}

// The user patterns' prefilter alone, over every row's text: the filter set's one pass (a table
// look-up per byte for all patterns), or each pattern's own MatchFilter (a scan per gram), the
// reference the set must agree with. candidates/row: patterns left for PCRE2 per text.
void pattern_filters(benchmark::State& state, bool one_pass) {
  const ParsedExport& parsed = parsed_export();
  std::vector<std::unique_ptr<nodes::ner::RegexRecognizer>> patterns;
  nodes::ner::MatchFilterSet set;
  for (const nodes::ner::EntityDefinition& entity : ner_config(NerProfile::heavy).entities) {
    if (entity.builtin) continue;
    nodes::ner::RegexRecognizer::Options options;
    options.caseless = entity.caseless;
    options.unicode = entity.unicode;
    auto pattern = nodes::ner::RegexRecognizer::create(entity.pattern, options);
    if (!pattern.ok()) {
      state.SkipWithError(pattern.status().message().c_str());
      return;
    }
    set.add((*pattern)->filter());
    patterns.push_back(std::move(pattern).value());
  }
  nodes::ner::MatchFilterSet::Scan scan;
  std::uint64_t candidates = 0;
  for (auto _ : state) {
    candidates = 0;
    for (const RowBatch& batch : parsed.batches) {
      for (std::size_t r = 0; r < batch.size(); ++r) {
        const std::string_view text = batch.field(r, parsed.text_column);
        if (one_pass) {
          set.scan(text, scan);
          candidates += scan.candidates.size();
        } else {
          for (const auto& pattern : patterns) candidates += pattern->may_match(text);
        }
      }
    }
    benchmark::DoNotOptimize(candidates);
  }
  report_rates(state, export_bytes(), static_cast<std::int64_t>(parsed.rows));
  state.counters["candidates/row"] =
      static_cast<double>(candidates) / static_cast<double>(parsed.rows);
}

void ner_isolated(benchmark::State& state, NerProfile profile) {
  extract_all(state, ner_config(profile));
}

void ner_chain(benchmark::State& state, NerProfile profile) {
  auto source = std::make_shared<SourceData>();
  source->kind = PayloadKind::rows;
  source->batches = &parsed_export().batches;
  const PipelineSpec spec = chain_spec(
      {node_spec("entities", "ner_extract", ner_node_options(profile))}, PayloadKind::rows);
  run_chain_benchmark(state, spec, source, static_cast<int>(state.range(0)), PayloadKind::rows,
                      parsed_export().rows, export_bytes());
}

}  // namespace

void register_entity_benchmarks() {
  const nodes::ner::ExtractorConfig heavy = ner_config(NerProfile::heavy);
  for (const nodes::ner::EntityDefinition& entity : heavy.entities) {
    nodes::ner::ExtractorConfig single = heavy;
    single.entities = {entity};
    const std::string name =
        "ner_extract/entity/" + std::string(entity.builtin ? "" : "custom:") + entity.name;
    benchmark::RegisterBenchmark(name.c_str(), [single](benchmark::State& state) {
      extract_all(state, single);
    })->Unit(benchmark::kMillisecond);
  }
}

BENCHMARK_CAPTURE(ner_isolated, standard, NerProfile::standard)
    ->Name("ner_extract/isolated/standard")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(ner_isolated, heavy, NerProfile::heavy)
    ->Name("ner_extract/isolated/heavy")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(digit_runs)->Name("ner_extract/digit_runs")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(pattern_filters, set, true)
    ->Name("ner_extract/pattern_filters/one_pass")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(pattern_filters, each, false)
    ->Name("ner_extract/pattern_filters/each_filter")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(ner_chain, standard, NerProfile::standard)
    ->Name("ner_extract/chain/standard")
    ->ArgName("threads")
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(ner_chain, heavy, NerProfile::heavy)
    ->Name("ner_extract/chain/heavy")
    ->ArgName("threads")
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace sluice::bench
