#include "support/write_behind.hpp"

#include "sluice/status.hpp"

namespace sluice::nodes {

WriteBehind::WriteBehind(WriteFunction write, std::size_t max_queued_bytes)
    : write_(std::move(write)), queue_(max_queued_bytes), thread_([this] { run(); }) {}

void WriteBehind::run() {
  while (auto chunk = queue_.pop()) {
    if (stopping_.load(std::memory_order_relaxed)) continue;
    try {
      write_(chunk->bytes);
    } catch (...) {
      error_ = std::current_exception();
      failed_.store(true, std::memory_order_release);
      // Wakes a producer waiting for room; it then finds the failure.
      queue_.close();
      queue_.clear();
      return;
    }
  }
}

void WriteBehind::rethrow_failure() const {
  if (failed_.load(std::memory_order_acquire)) std::rethrow_exception(error_);
}

void WriteBehind::push(ByteChunk chunk) {
  rethrow_failure();
  if (chunk.bytes.empty()) return;
  const std::size_t size = chunk.bytes.size();
  if (!queue_.push(std::move(chunk), size)) {
    rethrow_failure();
    throw Error(StatusCode::internal, "write to an output that was already closed");
  }
}

void WriteBehind::drain() {
  queue_.close();
  if (thread_.joinable()) thread_.join();
  rethrow_failure();
  // After stop() chunks were dropped: the output is incomplete and must not be committed.
  if (stopping_.load(std::memory_order_relaxed)) {
    throw Error(StatusCode::internal, "output drained after it was stopped");
  }
}

void WriteBehind::stop() noexcept {
  stopping_.store(true, std::memory_order_relaxed);
  queue_.close();
  queue_.clear();
  if (thread_.joinable()) thread_.join();
}

}  // namespace sluice::nodes
