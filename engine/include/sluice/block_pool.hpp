#pragma once
/// A pool for the large buffers batches are built from: read chunks, the field arrays of row
/// batches, arena blocks, serialized output. Each batch needs a few MiB of them and frees them a
/// moment later. Left to glibc's defaults, such blocks are mapped fresh and unmapped again (or
/// trimmed off the heap top) on every batch, so every batch pays the page faults and the zeroing
/// of its memory anew: 70,000 faults and about a third more CPU on a 1M-row export. Keeping freed
/// blocks for the next batch makes that cost independent of how the host program has tuned its
/// allocator. Thread-safe: a block may be freed on another thread than the one that took it.
#include <cstddef>
#include <memory>
#include <new>
#include <string>

namespace sluice::block_pool {

/// Requests smaller than this go straight to operator new; the pool keeps only larger blocks.
inline constexpr std::size_t kMinBytes = 64 * 1024;
/// The most the pool keeps idle; blocks freed beyond it go back to the allocator.
inline constexpr std::size_t kMaxIdleBytes = 64u << 20;

/// At least `bytes` of memory, aligned for any fundamental type. Sizes of kMinBytes and more are
/// rounded up to a size class (2^k or 1.5 x 2^k) and served from the pool when it has a block of
/// that class, or of one of the two next larger ones. Throws std::bad_alloc.
void* allocate(std::size_t bytes);
/// Gives back a block from allocate(); `bytes` must be the size asked for.
void deallocate(void* block, std::size_t bytes) noexcept;

/// The bytes a request of `bytes` actually takes (its size class; `bytes` when below kMinBytes).
std::size_t class_size(std::size_t bytes) noexcept;
/// Bytes the pool holds in blocks nobody uses.
std::size_t idle_bytes() noexcept;
/// Returns every idle block to the allocator (the engine calls it when its last run ends).
void release_idle() noexcept;

/// Gives a buffer from make_unique_buffer() back to the pool.
struct BufferReturn {
  std::size_t bytes = 0;  ///< the size asked for
  void operator()(char* buffer) const noexcept { deallocate(buffer, bytes); }
};
using UniqueBuffer = std::unique_ptr<char[], BufferReturn>;

/// A buffer of `bytes` chars from the pool, returned to it when the owner goes. Not zero-filled.
UniqueBuffer make_unique_buffer(std::size_t bytes);
/// The same, shared: returned to the pool when the last owner goes.
std::shared_ptr<char[]> make_shared_buffer(std::size_t bytes);

/// A standard allocator backed by the pool, for containers that grow to batch size.
template <class T>
class Allocator {
 public:
  using value_type = T;

  Allocator() noexcept = default;
  template <class U>
  Allocator(const Allocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(block_pool::allocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { block_pool::deallocate(p, n * sizeof(T)); }

  friend bool operator==(const Allocator&, const Allocator&) noexcept { return true; }
};

/// A string whose buffer comes from the pool: for serialized output of batch size.
using String = std::basic_string<char, std::char_traits<char>, Allocator<char>>;

}  // namespace sluice::block_pool
