#pragma once
/// WriteBehind: a thread of its own that passes byte chunks, in order, to a write function, so a
/// serial sink step only queues a chunk and returns instead of spending its worker thread in
/// write(2). The queue is bounded in bytes (push waits while it is full) and keeps each chunk's
/// owner alive until the chunk is written: queued output is memory the engine's in-flight budget
/// no longer counts, so the bound is what keeps it small.
///
/// The first exception thrown by the write function stops the thread; it is rethrown by the next
/// push() or by drain(). Chunks still queued then are dropped.

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <string_view>
#include <thread>

#include "sluice/batch.hpp"
#include "support/bounded_queue.hpp"

namespace sluice::nodes {

class WriteBehind {
 public:
  using WriteFunction = std::function<void(std::string_view bytes)>;

  /// Starts the thread. Chunks of up to `max_queued_bytes` in all may wait behind the one being
  /// written (a larger chunk is still taken when the queue is empty).
  WriteBehind(WriteFunction write, std::size_t max_queued_bytes);
  ~WriteBehind() { stop(); }
  WriteBehind(const WriteBehind&) = delete;
  WriteBehind& operator=(const WriteBehind&) = delete;

  /// Queues `chunk` (empty chunks are skipped), waiting while the queue is full. Throws the write
  /// function's error when an earlier chunk failed, and sluice::Error (internal) after drain() or
  /// stop(). Called by one thread at a time.
  void push(ByteChunk chunk);

  /// Waits until every queued chunk is written and ends the thread; rethrows the write error.
  /// Later calls return at once (rethrowing the error again, if any). Throws sluice::Error
  /// (internal) after stop(), as chunks may have been dropped.
  void drain();

  /// Ends the thread without writing the chunks still queued (the one being written is finished).
  /// Never throws; idempotent.
  void stop() noexcept;

 private:
  void run();
  void rethrow_failure() const;

  WriteFunction write_;
  BoundedQueue<ByteChunk> queue_;
  std::exception_ptr error_;  ///< written by the thread before `failed_` is set
  std::atomic<bool> failed_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace sluice::nodes
