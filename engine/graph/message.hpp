#pragma once
// What travels on the oneTBB edges: a shared immutable batch plus the engine's bookkeeping
// (sequence number for ordering, the in-flight ticket that bounds memory, and the time it was
// sent, for waiting-time metrics). Node authors never see this type.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "sluice/batch.hpp"

namespace sluice::detail {

/// Counts source batches alive and tells the limiter when one is gone. A batch counts as alive
/// while any message derived from it (the same ticket) exists anywhere in the graph.
class InFlightBudget {
 public:
  explicit InFlightBudget(std::function<void()> on_release) : on_release_(std::move(on_release)) {}

  class Ticket {
   public:
    explicit Ticket(InFlightBudget* budget) : budget_(budget) {}
    ~Ticket() { budget_->release(); }
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

   private:
    InFlightBudget* budget_;
  };

  std::shared_ptr<Ticket> acquire() {
    const std::size_t now = live_.fetch_add(1, std::memory_order_relaxed) + 1;
    std::size_t peak = peak_.load(std::memory_order_relaxed);
    while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
    return std::make_shared<Ticket>(this);
  }

  /// After close() releases no longer reach the limiter (the graph is being torn down).
  void close() noexcept { open_.store(false, std::memory_order_release); }

  std::size_t peak() const noexcept { return peak_.load(std::memory_order_relaxed); }
  std::size_t live() const noexcept { return live_.load(std::memory_order_relaxed); }

 private:
  void release() {
    live_.fetch_sub(1, std::memory_order_relaxed);
    if (open_.load(std::memory_order_acquire)) on_release_();
  }

  std::function<void()> on_release_;
  std::atomic<std::size_t> live_{0};
  std::atomic<std::size_t> peak_{0};
  std::atomic<bool> open_{true};
};

struct Message {
  BatchPtr batch;  ///< null for a message dropped after a failure
  std::uint64_t seq = 0;
  std::shared_ptr<InFlightBudget::Ticket> ticket;
  std::int64_t sent_ns = 0;
  std::uint32_t port = 0;
};

}  // namespace sluice::detail
