#pragma once
// Node types used only by the benchmarks, to run one built-in node through the real engine with
// nothing else around it: an in-memory source that replays prepared data at (almost) no cost and
// a sink that drops what it gets. They are registered next to the built-ins by bench_registry().

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sluice/batch.hpp"
#include "sluice/metrics.hpp"
#include "sluice/node_registry.hpp"
#include "sluice/pipeline_spec.hpp"

namespace sluice::bench {

/// What bench_source replays: byte chunks (shared, zero-copy) or row batches. Row batches are
/// re-sent as fresh batches that share the prepared rows' buffers, so only field views are copied.
struct SourceData {
  PayloadKind kind = PayloadKind::bytes;
  std::vector<ByteChunk> chunks;
  const std::vector<RowBatch>* batches = nullptr;  ///< must outlive the run
};

/// What bench_null received, to check a run processed everything.
struct SinkTally {
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> rows{0};
  std::atomic<std::uint64_t> bytes{0};
};

/// The built-in node types plus:
///   bench_source (source of data->kind)           replays `data`
///   bench_null   (sink; option kind: bytes | rows) drops batches, counting them into `tally`
NodeRegistry bench_registry(std::shared_ptr<const SourceData> data,
                            std::shared_ptr<SinkTally> tally);

/// A node of a chain; `options` is a map, or null for none.
NodeSpec node_spec(std::string id, std::string type, Value options = {});

/// bench_source -> middle[0] -> middle[1] ... -> bench_null (kind `sink_kind`), each node reading
/// the one before it.
PipelineSpec chain_spec(std::vector<NodeSpec> middle, PayloadKind sink_kind);

/// Builds and runs `spec` with `threads` workers; throws sluice::Error when it fails.
RunReport run_chain(const PipelineSpec& spec, const NodeRegistry& registry, int threads);

}  // namespace sluice::bench
