#pragma once
/// Pipeline: a validated PipelineSpec turned into nodes, ready to run as a oneTBB flow graph.
///
///   auto spec = sluice::load_pipeline_file("p.yaml", {.variables = {{"input", "in.csv"}}});
///   auto pipeline = sluice::Pipeline::build(*spec, sluice::builtin_registry());
///   sluice::RunReport report = pipeline->run({.threads = 4});
///
/// Memory is bounded by construction: each source may have at most `max_in_flight` batches alive
/// (counting every batch derived from them) at any time, whatever the input size.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "sluice/metrics.hpp"
#include "sluice/node_registry.hpp"
#include "sluice/pipeline_spec.hpp"
#include "sluice/status.hpp"

namespace sluice {

/// A live view of a running pipeline, for progress displays.
struct Progress {
  double elapsed_seconds = 0;
  std::uint64_t input_bytes = 0;  ///< bytes produced by source nodes so far
  std::uint64_t rows = 0;         ///< rows (or records) produced by the busiest node so far
};

struct RunOptions {
  int threads = 0;                ///< 0: the pipeline's setting, else all cores
  std::size_t max_in_flight = 0;  ///< 0: the pipeline's setting, else 2 x threads + 2
  /// Called about every `progress_interval` from a monitor thread while the run goes on.
  std::function<void(const Progress&)> on_progress;
  std::chrono::milliseconds progress_interval{250};
  /// Receives node log lines (never secrets). Lines at LogLevel::verbose only when `verbose`.
  std::function<void(const std::string& line)> on_log;
  bool verbose = false;
  /// When set, every task of the run (one step of one node on one batch: worker, start,
  /// duration, CPU time) is written to this file in the Chrome trace format, for Perfetto or
  /// chrome://tracing. Costs about 200 bytes of disk per task; off by default.
  std::string trace_path;
};

class Pipeline {
 public:
  /// Validates `spec` and builds its nodes; every problem is listed in the Status message.
  static Result<std::unique_ptr<Pipeline>> build(const PipelineSpec& spec,
                                                 const NodeRegistry& registry);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  /// Runs to completion, failure or cancellation. report.status says which; on anything but
  /// success no node committed, so no output file was created or replaced. Runs once.
  RunReport run(const RunOptions& options = {});

  /// Asks a running pipeline to stop (thread-safe, async-signal-unsafe; call from a normal thread).
  void cancel() noexcept;

  const PipelineSpec& spec() const noexcept;

 private:
  struct Impl;
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
