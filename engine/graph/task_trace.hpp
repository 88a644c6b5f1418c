#pragma once
// TaskTrace: what `sluice run --trace FILE` writes. Every task the graph executes (one step of one
// node on one batch) becomes a complete event in the Chrome trace format, which Perfetto
// (ui.perfetto.dev), chrome://tracing and speedscope open as a per-worker timeline. It answers
// the questions a metrics summary cannot: whether workers idle, which step holds the others
// back, whether a step's CPU time differs from its wall time (the thread was descheduled).
//
// Events are streamed to the file as they happen, so a trace of a long run costs disk, not
// memory (about 200 bytes per task; a task is one batch of thousands of rows).

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sluice/durable_file.hpp"
#include "sluice/status.hpp"

namespace sluice::detail {

class TaskTrace {
 public:
  /// When a task started: the wall clock and the running thread's CPU clock.
  struct Start {
    std::int64_t wall_ns = 0;
    std::int64_t cpu_ns = 0;
  };

  /// Creates the trace file (a temp file until finish()). `pipeline` names the process row.
  static Result<std::unique_ptr<TaskTrace>> create(const std::string& path,
                                                   const std::string& pipeline);

  /// Names one kind of task, e.g. "parse (map)"; returns the id that end() takes. Call before
  /// the run starts (not thread-safe).
  std::size_t add_task_name(std::string name);

  /// Reads the clocks at the start of a task (thread-safe).
  static Start begin() noexcept;
  /// Records a finished task: which kind, and the sequence number, rows and bytes of the batch it
  /// worked on (thread-safe; never throws: a failing disk stops the trace, finish() says so).
  void end(const Start& start, std::size_t task_name, std::uint64_t batch, std::uint64_t rows,
           std::uint64_t bytes) noexcept;

  /// Names the worker rows, closes the JSON array and moves the file into place. Returns the
  /// first write error instead if there was one (the run itself is not affected).
  Status finish(int workers);

 private:
  explicit TaskTrace(DurableFile file, std::int64_t origin_ns);
  void append(const std::string& text);  // caller holds mutex_

  std::mutex mutex_;
  DurableFile file_;
  std::int64_t origin_ns_;
  std::vector<std::string> task_names_;  // JSON string literals, quotes included
  Status error_;
};

}  // namespace sluice::detail
