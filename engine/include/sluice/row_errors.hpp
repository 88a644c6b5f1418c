#pragma once
/// RowErrorPolicy: what a node does with a bad row or record (malformed CSV row, invalid JSON
/// record): `on_error: fail` stops the run with a message naming the row; `skip` drops and counts
/// it; `quarantine` drops it, counts it, and appends it with its row number and reason to a
/// quarantine file (CSV: source,row,reason,raw) that is committed with the run's outputs.
/// Thread-safe: handle() may be called from map steps on any thread. A step collects each batch's
/// bad rows in a BatchRows and hands it to finish_batch(), which writes the batches in stream
/// order, so the quarantine file lists rows in source order at any thread count.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/durable_file.hpp"
#include "sluice/options.hpp"
#include "sluice/status.hpp"

namespace sluice {

class NodeMetrics;

enum class OnError : std::uint8_t { fail, skip, quarantine };

class RowErrorPolicy {
 public:
  /// The two options a node with bad-row handling adds to its schema: `on_error` and `quarantine`.
  static std::vector<OptionSpec> option_specs();
  /// Reads them; `quarantine` is required with on_error: quarantine.
  static Result<RowErrorPolicy> from_options(const NodeOptions& options);

  RowErrorPolicy() = default;
  RowErrorPolicy(OnError mode, std::string quarantine_path)
      : mode_(mode), quarantine_path_(std::move(quarantine_path)) {}
  RowErrorPolicy(RowErrorPolicy&&) noexcept;
  RowErrorPolicy& operator=(RowErrorPolicy&&) noexcept;
  ~RowErrorPolicy();

  OnError mode() const noexcept { return mode_; }

  /// Opens the quarantine file (temp until commit) when the mode needs it.
  Status open();
  /// The quarantined rows of one batch of a map step, not yet written.
  struct BatchRows {
    std::uint64_t seq = 0;  ///< the batch's place in the stream (BatchInfo::seq)
    std::string lines;
  };

  /// Handles one bad row: throws sluice::Error for fail, otherwise counts (and quarantines) it.
  /// `source` names the input (file), `row` its 1-based row, `raw` its original text. A
  /// quarantined row waits in `batch` until finish_batch(batch).
  void handle(NodeMetrics& metrics, BatchRows& batch, std::string_view source, std::uint64_t row,
              std::string_view reason, std::string_view raw);
  /// Called once for every batch the step processes (seq 0, 1, 2, ...), bad rows or not (with
  /// on_error: quarantine, a batch never finished holds back the ones after it). Writes the
  /// batches that are next in stream order; keeps the others until their turn (at most the
  /// batches in flight).
  void finish_batch(BatchRows&& batch);
  Status commit();
  void abort() noexcept;

 private:
  OnError mode_ = OnError::fail;
  std::string quarantine_path_;
  std::unique_ptr<std::mutex> mutex_ = std::make_unique<std::mutex>();
  DurableFile quarantine_;
  std::uint64_t next_batch_ = 0;                   // guarded by mutex_
  std::map<std::uint64_t, std::string> waiting_;  // finished batches ahead of next_batch_
};

}  // namespace sluice
