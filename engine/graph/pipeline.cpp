#include "sluice/pipeline.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "graph/running_graph.hpp"
#include "graph/task_trace.hpp"
#include "sluice/block_pool.hpp"
#include "spec/pipeline_validator.hpp"

namespace sluice {

namespace {

// The block pool keeps batch buffers for the next batch while any pipeline runs in this process;
// when the last run ends, its idle blocks go back to the allocator (a host program may run for
// long after).
class BlockPoolUse {
 public:
  BlockPoolUse() noexcept { active_runs.fetch_add(1); }
  ~BlockPoolUse() {
    if (active_runs.fetch_sub(1) == 1) block_pool::release_idle();
  }
  BlockPoolUse(const BlockPoolUse&) = delete;
  BlockPoolUse& operator=(const BlockPoolUse&) = delete;

 private:
  static inline std::atomic<int> active_runs{0};
};

/// The services one node sees during a run.
class NodeRunContext final : public RunContext {
 public:
  NodeRunContext(const std::string& id, NodeMetrics& metrics, const std::atomic<bool>& cancelled,
                 const detail::FailureSlot& failure, const RunOptions& options, int threads)
      : id_(id),
        metrics_(metrics),
        cancelled_(cancelled),
        failure_(failure),
        options_(options),
        threads_(threads) {}

  /// A failure anywhere stops the run too: a node waiting on the network should not keep going.
  bool cancelled() const noexcept override {
    return cancelled_.load(std::memory_order_relaxed) || failure_.failed();
  }
  NodeMetrics& metrics() noexcept override { return metrics_; }
  void log(LogLevel level, const std::string& message) override {
    if (!options_.on_log || (level == LogLevel::verbose && !options_.verbose)) return;
    options_.on_log(id_ + ": " + message);
  }
  int threads() const noexcept override { return threads_; }
  const std::string& node_id() const noexcept override { return id_; }

 private:
  const std::string& id_;
  NodeMetrics& metrics_;
  const std::atomic<bool>& cancelled_;
  const detail::FailureSlot& failure_;
  const RunOptions& options_;
  int threads_;
};

/// Calls the progress callback at a fixed interval until stopped.
class ProgressMonitor {
 public:
  ProgressMonitor(const RunOptions& options, std::function<Progress()> sample)
      : options_(options), sample_(std::move(sample)) {
    if (options_.on_progress) thread_ = std::thread([this] { loop(); });
  }
  ~ProgressMonitor() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, options_.progress_interval, [this] { return stopped_; })) {
      lock.unlock();
      options_.on_progress(sample_());
      lock.lock();
    }
  }

  const RunOptions& options_;
  std::function<Progress()> sample_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;
  std::thread thread_;
};

double seconds_between(std::chrono::steady_clock::time_point a,
                       std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

struct Pipeline::Impl {
  PipelineSpec spec;
  std::vector<std::unique_ptr<Node>> nodes;  // in spec order
  std::vector<std::size_t> order;            // topological order of spec indices
  std::atomic<bool> cancelled{false};
  std::mutex running_mutex;
  detail::RunningGraph* running = nullptr;
  bool ran = false;
};

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::~Pipeline() = default;

const PipelineSpec& Pipeline::spec() const noexcept {
  return impl_->spec;
}

Result<std::unique_ptr<Pipeline>> Pipeline::build(const PipelineSpec& spec,
                                                  const NodeRegistry& registry) {
  auto impl = std::make_unique<Impl>();
  impl->spec = spec;
  const auto diagnostics = detail::validate_and_build(impl->spec, registry, &impl->nodes);
  if (!diagnostics.empty()) {
    std::string message;
    for (const auto& diagnostic : diagnostics) {
      if (!message.empty()) message += '\n';
      message += diagnostic.describe();
    }
    return Status(StatusCode::invalid_argument, message);
  }
  auto order = topological_order(impl->spec);
  if (!order) return Status(StatusCode::internal, "pipeline has a cycle after validation");
  impl->order = std::move(*order);
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
}

void Pipeline::cancel() noexcept {
  impl_->cancelled.store(true);
  std::lock_guard lock(impl_->running_mutex);
  if (impl_->running != nullptr) impl_->running->cancel();
}

RunReport Pipeline::run(const RunOptions& options) {
  Impl& impl = *impl_;
  RunReport report;
  report.pipeline = impl.spec.id;
  if (impl.ran) {
    report.status =
        Status(StatusCode::invalid_argument, "a Pipeline runs only once; build another");
    return report;
  }
  impl.ran = true;
  const BlockPoolUse pool_use;

  const int threads = options.threads > 0          ? options.threads
                      : impl.spec.settings.threads ? *impl.spec.settings.threads
                                                   : oneapi::tbb::info::default_concurrency();
  // The default is what keeps every worker busy: per worker, the batch it works on and one it has
  // finished that may wait at an ordered step for an older one; plus two being read and framed.
  // With threads + 2, a worker that finished early found the budget spent on batches queued
  // behind the other worker's older one, and waited: traces of 2-thread 1M-row runs had 8.7 ms
  // of such waits (gaps over 0.3 ms, median of 10 runs), 2.7 ms with 5 in flight, 0.6-0.8 ms with
  // 6, and the run took 1.095x, 1.061x and 1.053x its task CPU / 2. 60 interleaved runs: 6 were
  // 4% faster than 4 (median of paired ratios 0.961); at 8M rows even (1.013, 10 runs). Peak RSS
  // is 2-4 MiB higher.
  const std::size_t max_in_flight = options.max_in_flight > 0 ? options.max_in_flight
                                    : impl.spec.settings.max_in_flight
                                        ? *impl.spec.settings.max_in_flight
                                        : static_cast<std::size_t>(2 * threads + 2);
  report.threads = threads;
  report.max_in_flight = max_in_flight;

  // A trace that cannot be created stops the run before anything is read or written: the user
  // asked for it, most likely to look at this very run.
  std::unique_ptr<detail::TaskTrace> trace;
  if (!options.trace_path.empty()) {
    auto created = detail::TaskTrace::create(options.trace_path, impl.spec.id);
    if (!created) {
      report.status = created.status();
      return report;
    }
    trace = std::move(created).value();
  }

  const std::size_t count = impl.nodes.size();
  detail::FailureSlot failure;
  std::vector<NodeMetrics> metrics(count);
  std::vector<std::unique_ptr<NodeRunContext>> contexts;
  for (std::size_t i = 0; i < count; ++i) {
    contexts.push_back(std::make_unique<NodeRunContext>(impl.spec.nodes[i].id, metrics[i],
                                                        impl.cancelled, failure, options, threads));
  }

  const auto start = std::chrono::steady_clock::now();
  auto abort_all = [&] {
    for (auto& node : impl.nodes) node->abort();
  };

  // open() runs on this thread, in topological order, before anything flows.
  for (std::size_t index : impl.order) {
    Status status = impl.nodes[index]->open(*contexts[index]);
    if (!status.ok()) {
      failure.record(status.with_context("node '" + impl.spec.nodes[index].id + "' (" +
                                         impl.spec.nodes[index].type + ") could not start"));
      break;
    }
  }

  std::size_t peak_in_flight = 0;
  if (!failure.failed()) {
    std::vector<std::size_t> slot_of(count);
    for (std::size_t i = 0; i < impl.order.size(); ++i) slot_of[impl.order[i]] = i;
    std::vector<detail::NodeSlot> slots;
    for (std::size_t index : impl.order) {
      detail::NodeSlot slot;
      slot.spec = &impl.spec.nodes[index];
      slot.node = impl.nodes[index].get();
      slot.metrics = &metrics[index];
      slot.steps = slot.node->steps();
      for (const auto& input : slot.spec->inputs) {
        slot.input_slots.push_back(
            slot_of[impl.spec.find_node(input.node) - impl.spec.nodes.data()]);
      }
      slots.push_back(std::move(slot));
    }

    ProgressMonitor monitor(options, [&] {
      Progress progress;
      progress.elapsed_seconds = seconds_between(start, std::chrono::steady_clock::now());
      for (std::size_t i = 0; i < count; ++i) {
        if (impl.spec.nodes[i].inputs.empty()) progress.input_bytes += metrics[i].bytes_out.load();
        progress.rows = std::max(progress.rows, metrics[i].rows_out.load());
      }
      return progress;
    });

    // More threads than cores is allowed when asked for explicitly (e.g. I/O-bound pipelines).
    oneapi::tbb::global_control parallelism(oneapi::tbb::global_control::max_allowed_parallelism,
                                            static_cast<std::size_t>(threads));
    oneapi::tbb::task_arena arena(threads);
    arena.execute([&] {
      try {
        detail::RunningGraph graph(slots, max_in_flight, impl.cancelled, failure, trace.get());
        {
          std::lock_guard lock(impl.running_mutex);
          impl.running = &graph;
        }
        if (!impl.cancelled.load()) graph.run();
        {
          std::lock_guard lock(impl.running_mutex);
          impl.running = nullptr;
        }
        peak_in_flight = graph.peak_in_flight();
      } catch (const Error& error) {
        failure.record(error.status());
      }
    });
    monitor.stop();
  }

  if (!failure.failed() && impl.cancelled.load()) {
    failure.record(Status(StatusCode::cancelled, "run cancelled; no output was written"));
  }
  if (failure.failed()) {
    abort_all();
  } else {
    for (std::size_t i = 0; i < impl.order.size(); ++i) {
      const std::size_t index = impl.order[i];
      Status status = impl.nodes[index]->commit();
      if (!status.ok()) {
        failure.record(status.with_context("node '" + impl.spec.nodes[index].id + "' (" +
                                           impl.spec.nodes[index].type + ") could not commit"));
        for (std::size_t j = i + 1; j < impl.order.size(); ++j) impl.nodes[impl.order[j]]->abort();
        break;
      }
    }
  }

  // The trace is kept whatever the run's outcome: a failed run is when it is wanted most.
  if (trace) {
    const Status written = trace->finish(threads);
    if (!written.ok() && options.on_log) options.on_log("warning: " + written.message());
  }

  report.status = failure.failed() ? failure.status() : Status::success();
  report.elapsed_seconds = seconds_between(start, std::chrono::steady_clock::now());
  report.peak_in_flight = peak_in_flight;
  report.peak_rss_bytes = peak_rss_bytes();
  for (std::size_t i = 0; i < count; ++i) {
    const NodeMetrics& m = metrics[i];
    NodeReport node;
    node.id = impl.spec.nodes[i].id;
    node.type = impl.spec.nodes[i].type;
    node.batches_in = m.batches_in;
    node.rows_in = m.rows_in;
    node.bytes_in = m.bytes_in;
    node.batches_out = m.batches_out;
    node.rows_out = m.rows_out;
    node.bytes_out = m.bytes_out;
    node.busy_seconds = m.busy_ns.load() / 1e9;
    node.waiting_seconds = m.waiting_ns.load() / 1e9;
    node.errors = m.errors;
    node.skipped = m.skipped;
    node.quarantined = m.quarantined;
    if (impl.spec.nodes[i].inputs.empty()) report.input_bytes += node.bytes_out;
    report.nodes.push_back(std::move(node));
  }
  return report;
}

}  // namespace sluice
