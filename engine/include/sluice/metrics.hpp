#pragma once
/// Run metrics: live per-node counters (NodeMetrics, updated from worker threads) and the final
/// RunReport (a plain snapshot, printable as a table or JSON).

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "sluice/status.hpp"

namespace sluice {

/// Counters of one node. All members are safe to update from any thread.
class NodeMetrics {
 public:
  std::atomic<std::uint64_t> batches_in{0};
  std::atomic<std::uint64_t> rows_in{0};
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> batches_out{0};
  std::atomic<std::uint64_t> rows_out{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::uint64_t> busy_ns{0};     ///< time spent inside this node's steps
  std::atomic<std::uint64_t> waiting_ns{0};  ///< time batches waited in front of this node
  std::atomic<std::uint64_t> errors{0};      ///< bad rows/records seen (whatever the policy)
  std::atomic<std::uint64_t> skipped{0};     ///< bad rows dropped (on_error: skip)
  std::atomic<std::uint64_t> quarantined{0}; ///< bad rows written to the quarantine file

  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t amount) noexcept {
    counter.fetch_add(amount, std::memory_order_relaxed);
  }
};

struct NodeReport {
  std::string id;
  std::string type;
  std::uint64_t batches_in = 0, rows_in = 0, bytes_in = 0;
  std::uint64_t batches_out = 0, rows_out = 0, bytes_out = 0;
  double busy_seconds = 0, waiting_seconds = 0;
  std::uint64_t errors = 0, skipped = 0, quarantined = 0;
};

struct RunReport {
  std::string pipeline;
  Status status;                 ///< success, or why the run failed / was cancelled
  double elapsed_seconds = 0;
  int threads = 0;
  std::size_t max_in_flight = 0;       ///< the budget
  std::size_t peak_in_flight = 0;      ///< the most batches ever in flight at once
  std::uint64_t input_bytes = 0;       ///< bytes produced by source nodes
  std::uint64_t peak_rss_bytes = 0;    ///< the process's peak resident set size
  std::vector<NodeReport> nodes;       ///< in pipeline order

  /// A fixed-width table for terminals.
  std::string summary_table() const;
  /// JSON object with every field above.
  std::string to_json() const;
};

/// Peak resident set size of this process so far (VmHWM), 0 when unknown.
std::uint64_t peak_rss_bytes();
/// Current resident set size of this process (VmRSS), 0 when unknown.
std::uint64_t current_rss_bytes();

}  // namespace sluice
