#pragma once
// Node types used only by tests, to drive the engine with exact control: sources of numbered
// rows, a sink that records what arrives and in which order, nodes that fail or dawdle on cue.
// They are registered next to the built-ins by test_registry().

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "sluice/metrics.hpp"
#include "sluice/node_registry.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/pipeline_spec.hpp"

namespace sluice::testing {

/// What test sinks saw, keyed by the sink's `key` option.
struct Observations {
  std::mutex mutex;
  std::map<std::string, std::vector<std::uint64_t>> row_ids;  // the `id` column, arrival order
  std::map<std::string, std::string> bytes;                    // concatenated byte chunks
  std::map<std::string, std::vector<std::string>> records;     // JSON records, arrival order
  // Independent in-flight accounting: batches produced by test_rows minus batches consumed by
  // test_collect_rows, sampled each time the source is asked for the next batch.
  std::atomic<std::int64_t> produced{0};
  std::atomic<std::int64_t> consumed{0};
  std::atomic<std::int64_t> max_outstanding{0};

  void clear();
};

Observations& observations();

/// Built-in node types plus:
///   test_rows (source: rows)          options rows, batch_rows — columns id,text; id = 0,1,2...
///   test_collect_rows (sink: rows)    option key — records ids in arrival order
///   test_collect_bytes (sink: bytes)  option key — concatenates chunks
///   test_collect_records (sink: records) option key
///   test_shuffle (rows -> rows, map)  sleeps a pseudo-random few hundred microseconds per batch
///   test_fail_at (rows -> rows, map)  option row — throws sluice::Error at that id
///   test_merge (fan-in of rows -> rows, serial) — forwards every batch of every input
NodeRegistry test_registry();

/// Loads `yaml` (file name "test.yaml"), builds with test_registry() and runs it. A load or build
/// failure is returned as the report status.
RunReport run_yaml(const std::string& yaml, const std::map<std::string, std::string>& variables = {},
                   RunOptions options = {});

}  // namespace sluice::testing
