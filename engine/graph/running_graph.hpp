#pragma once
// RunningGraph: the oneTBB flow graph for one run of a pipeline. It turns every node's steps into
// flow-graph nodes, bounds each source with a limiter, restores order before serial steps, runs
// the graph, then the finish phase (serial steps' finish() in topological order).

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sluice/metrics.hpp"
#include "sluice/node.hpp"
#include "sluice/pipeline_spec.hpp"

namespace sluice::detail {

/// Everything the graph needs to know about one pipeline node.
struct NodeSlot {
  const NodeSpec* spec = nullptr;
  Node* node = nullptr;
  NodeMetrics* metrics = nullptr;
  std::vector<Step> steps;
  std::vector<std::size_t> input_slots;  ///< index of the upstream slot for each input port
};

/// The first failure of a run (later ones are consequences and are dropped).
class FailureSlot {
 public:
  /// Records `status` if it is the first; returns true if it was.
  bool record(Status status);
  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  Status status() const;

 private:
  std::atomic<bool> failed_{false};
  mutable std::mutex mutex_;
  Status status_;
};

class TaskTrace;

class RunningGraph {
 public:
  /// `slots` in topological order; `cancelled` is shared with the Pipeline. `trace`, when not
  /// null, records every task and must outlive the graph.
  RunningGraph(std::vector<NodeSlot>& slots, std::size_t max_in_flight,
               std::atomic<bool>& cancelled, FailureSlot& failure, TaskTrace* trace = nullptr);
  ~RunningGraph();
  RunningGraph(const RunningGraph&) = delete;
  RunningGraph& operator=(const RunningGraph&) = delete;

  /// Runs the graph and the finish phase. Must be called inside the run's task_arena.
  void run();
  /// Stops the graph as soon as possible (thread-safe).
  void cancel() noexcept;
  /// The most source batches alive at once, over all sources.
  std::size_t peak_in_flight() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::detail
