#pragma once
/// BufferPool: byte buffers of one size that return to the pool when the last reference to one is
/// dropped, on whatever thread that happens, so a stream cycles through a few buffers instead of
/// allocating a fresh one per chunk. Fresh memory is costly: every page faults on first touch and
/// is zeroed by the kernel (more so in a virtual machine), which showed as a few percent of a run
/// for file_read's 1 MiB chunks. Buffers come uninitialized.
///
/// The pool keeps every buffer it hands out once it returns: their number is bounded by how many
/// the caller has alive at once (for a source, the engine's in-flight bound), so the pool adds
/// nothing to the peak memory. Buffers and the pool may be released in any order.

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace sluice::nodes {

class BufferPool : public std::enable_shared_from_this<BufferPool> {
 public:
  static std::shared_ptr<BufferPool> create(std::size_t buffer_size);

  /// A buffer of buffer_size() bytes, recycled when possible; its memory returns to the pool when
  /// the last copy of the pointer is gone.
  std::shared_ptr<char[]> acquire();

  std::size_t buffer_size() const noexcept { return buffer_size_; }
  /// Buffers allocated so far (returned or not).
  std::size_t allocated() const;

 private:
  explicit BufferPool(std::size_t buffer_size) : buffer_size_(buffer_size) {}
  void release(char* buffer) noexcept;

  const std::size_t buffer_size_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<char[]>> idle_;
  std::size_t allocated_ = 0;
};

}  // namespace sluice::nodes
