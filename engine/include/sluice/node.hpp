#pragma once
/// The node lifecycle contract. Read this before writing a node.
///
/// A node is built by its type's factory from checked options (cheap: no I/O), then run as a chain
/// of steps the engine wires into the oneTBB flow graph:
///
///   factory(options)      any thread, before the run; validates options, no I/O, may fail (Status)
///   shape()               any time after construction; input ports and output kind, for validation
///   open(context)         once, on the thread that starts the run, before any batch; expensive
///                         setup (open files, compile patterns, connect); may fail (Status)
///   steps()               once, after open(); the engine wires them in order
///     SourceStep::next    pulled by the engine, never concurrently with itself
///     MapStep::process    1 batch in -> 1 batch out, called CONCURRENTLY from worker threads;
///                         must be thread-safe (keep mutable scratch per thread)
///     SerialStep::process called for one batch at a time, in source order per input port
///                         (the engine restores order), may emit any number of batches
///     SerialStep::finish  once, after every batch of every input has been processed and all
///                         upstream steps have finished; may emit final batches
///   commit()              once, on the starting thread, after the whole run succeeded: make outputs
///                         visible (rename temp files); may fail (Status)
///   abort()               on the starting thread, after a failed or cancelled run: remove partial
///                         outputs; must not throw
///
/// Inside steps a fatal problem is thrown as sluice::Error (or any std::exception); the engine
/// records the first one, cancels the graph, and reports it with the node's id. Expected bad
/// records are data: handle them with RowErrorPolicy (on_error: fail | skip | quarantine).
///
/// Steps must not hold on to input batches after returning (copy what must be kept): the engine
/// counts batches in flight to bound memory, and a held batch is never released.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sluice/batch.hpp"
#include "sluice/status.hpp"

namespace sluice {

class NodeMetrics;

/// Receives the batches a serial step produces.
class Emitter {
 public:
  virtual ~Emitter() = default;
  virtual void emit(Batch batch) = 0;
};

/// Verbosity of run-time log lines.
enum class LogLevel : std::uint8_t { info, verbose };

/// Per-run services a node may use. Owned by the engine; valid from open() to commit()/abort().
class RunContext {
 public:
  virtual ~RunContext() = default;
  /// True once the run is being cancelled (Ctrl-C, a failure elsewhere): long loops should stop.
  virtual bool cancelled() const noexcept = 0;
  /// This node's counters (thread-safe); the engine already counts rows, bytes and time.
  virtual NodeMetrics& metrics() noexcept = 0;
  /// A log line; never pass secrets. Shown with --verbose for LogLevel::verbose.
  virtual void log(LogLevel level, const std::string& message) = 0;
  /// Worker threads of this run.
  virtual int threads() const noexcept = 0;
  /// This node's id in the pipeline.
  virtual const std::string& node_id() const noexcept = 0;
};

/// Pulls the next batch; returns false at end of stream.
struct SourceStep {
  std::function<bool(Batch& out)> next;
};

/// Which batch a map step is processing: its place in the stream (0 = first).
struct BatchInfo {
  std::uint64_t seq = 0;
};

/// Parallel 1:1 transform. Must return exactly one batch per input (an empty one is fine).
struct MapStep {
  std::function<Batch(const Batch& in, const BatchInfo& info)> process;
};

/// Serial, ordered step; `port` is the index of the input the batch arrived on.
struct SerialStep {
  std::function<void(std::size_t port, const Batch& in, Emitter& out)> process;
  std::function<void(Emitter& out)> finish;  ///< optional
};

using Step = std::variant<SourceStep, MapStep, SerialStep>;

/// The payload kinds a node accepts on each input port and the kind it produces.
struct NodeShape {
  /// One entry per input port: the kinds that port accepts. Empty for sources.
  std::vector<std::vector<PayloadKind>> inputs;
  /// When true, the last port may be given any number of inputs (fan-in), at least one.
  bool variadic_last_input = false;
  /// Output kind; nullopt for sinks.
  std::optional<PayloadKind> output;

  static NodeShape source(PayloadKind out) { return {{}, false, out}; }
  static NodeShape transform(PayloadKind in, PayloadKind out) { return {{{in}}, false, out}; }
  static NodeShape sink(PayloadKind in) { return {{{in}}, false, std::nullopt}; }
};

class Node {
 public:
  virtual ~Node() = default;
  virtual NodeShape shape() const = 0;
  virtual Status open(RunContext& context) {
    (void)context;
    return Status::success();
  }
  virtual std::vector<Step> steps() = 0;
  virtual Status commit() { return Status::success(); }
  virtual void abort() noexcept {}
};

}  // namespace sluice
