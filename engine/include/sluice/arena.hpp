#pragma once
/// Arena: append-only storage whose bytes never move, so string_views into it stay valid for the
/// arena's lifetime. Used by batches to own field values that are not views into an input buffer
/// (unescaped CSV fields, appended columns). Not thread-safe: one writer builds a batch.

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "sluice/block_pool.hpp"

namespace sluice {

class Arena {
 public:
  explicit Arena(std::size_t block_size = 64 * 1024) : block_size_(block_size) {}
  Arena(Arena&&) noexcept = default;
  Arena& operator=(Arena&&) noexcept = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  /// Copies `text` into the arena and returns a view of the stable copy.
  std::string_view store(std::string_view text) {
    if (text.empty()) return {};
    char* dst = allocate(text.size());
    std::memcpy(dst, text.data(), text.size());
    return {dst, text.size()};
  }

  /// Reserves `size` writable bytes that stay at the same address.
  char* allocate(std::size_t size) {
    if (size > remaining_) {
      const std::size_t block = size > block_size_ ? size : block_size_;
      // Not zero-filled: every byte handed out is written by the caller first, and a batch's
      // arena is new for every batch, so zeroing would write each block twice. From the block
      // pool: every batch has an arena, so its blocks are taken and freed all the time.
      blocks_.push_back(block_pool::make_unique_buffer(block));
      cursor_ = blocks_.back().get();
      remaining_ = block;
      capacity_ += block;
    }
    char* out = cursor_;
    cursor_ += size;
    remaining_ -= size;
    return out;
  }

  /// Bytes held by the arena's blocks, oversized ones included (for memory accounting).
  std::size_t capacity_bytes() const noexcept { return capacity_; }

 private:
  std::size_t block_size_;
  std::vector<block_pool::UniqueBuffer> blocks_;
  char* cursor_ = nullptr;
  std::size_t remaining_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace sluice
