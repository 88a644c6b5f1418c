#include "sluice/block_pool.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <mutex>
#include <unordered_map>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace sluice::block_pool {

namespace {

// Under AddressSanitizer an idle block is poisoned, so that a use after free of a pooled buffer
// is still reported, as it would be for memory given back to the allocator.
void mark_idle([[maybe_unused]] void* block, [[maybe_unused]] std::size_t size) noexcept {
#if defined(__SANITIZE_ADDRESS__)
  ASAN_POISON_MEMORY_REGION(block, size);
#endif
}

void mark_in_use([[maybe_unused]] void* block, [[maybe_unused]] std::size_t size) noexcept {
#if defined(__SANITIZE_ADDRESS__)
  ASAN_UNPOISON_MEMORY_REGION(block, size);
#endif
}

// Size classes: two per power of two (2^k and 1.5 x 2^k), from kMinBytes up; larger requests than
// the last class are not pooled. Coarse on purpose: batches need buffers of many nearby sizes
// (a 1 MiB read chunk, 0.8 MiB of parsed fields), and blocks of one class serve them all. With
// four classes per power of two, peak RSS at 8M rows and 2 threads was 54 MiB against 52 (3 runs).
// Touched pages are what count: a block's unused tail is never faulted in.
constexpr int kMinShift = std::countr_zero(kMinBytes);
constexpr int kMaxShift = 31;
constexpr std::size_t kClassesPerShift = 2;
constexpr std::size_t kClassCount = (kMaxShift - kMinShift + 1) * kClassesPerShift;

constexpr std::size_t kNotPooled = kClassCount;

// The class of a size already rounded by class_size(), or kNotPooled.
std::size_t class_index(std::size_t size) noexcept {
  if (size < kMinBytes) return kNotPooled;
  const int shift = std::bit_width(size) - 1;
  if (shift > kMaxShift) return kNotPooled;
  const std::size_t step = (std::size_t{1} << shift) / kClassesPerShift;
  return static_cast<std::size_t>(shift - kMinShift) * kClassesPerShift + size / step -
         kClassesPerShift;
}

// A request whose class has no idle block may take one of the next larger classes instead: the
// classes a batch needs peak at different moments, and blocks kept for one class's peak would
// otherwise sit idle while another class allocates anew (the pool then held 24.5 MiB for 15.7 MiB
// ever in use at once, on 8M rows and 2 threads).
constexpr std::size_t kLargerClassesToTry = 2;

struct Pool {
  std::mutex mutex;
  std::array<std::vector<void*>, kClassCount> idle;
  std::size_t idle_bytes = 0;
  /// Blocks lent to a request of a smaller class, with their own class, so that they go back to
  /// it (the allocator interface passes back only the size asked for).
  std::unordered_map<void*, std::size_t> lent_larger;
};

std::size_t size_of_class(std::size_t index) noexcept {
  const int shift = kMinShift + static_cast<int>(index / kClassesPerShift);
  const std::size_t step = (std::size_t{1} << shift) / kClassesPerShift;
  return step * (kClassesPerShift + index % kClassesPerShift);
}

// Never destroyed: batches that outlive main() (a static in a host program) still free into it.
Pool& pool() {
  static Pool* const instance = new Pool();
  return *instance;
}

}  // namespace

std::size_t class_size(std::size_t bytes) noexcept {
  // Too large to pool: not rounded either (and so cannot overflow).
  if (bytes < kMinBytes || bytes > (std::size_t{2} << kMaxShift)) return bytes;
  const std::size_t step = std::bit_floor(bytes) / kClassesPerShift;
  return (bytes + step - 1) / step * step;
}

void* allocate(std::size_t bytes) {
  const std::size_t size = class_size(bytes);
  const std::size_t index = class_index(size);
  if (index != kNotPooled) {
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    const std::size_t last = std::min(index + kLargerClassesToTry, kClassCount - 1);
    for (std::size_t from = index; from <= last; ++from) {
      auto& blocks = p.idle[from];
      if (blocks.empty()) continue;
      // Recorded first: should that throw, nothing has been taken yet.
      if (from != index) p.lent_larger.emplace(blocks.back(), from);
      void* block = blocks.back();
      blocks.pop_back();
      const std::size_t block_size = size_of_class(from);
      p.idle_bytes -= block_size;
      mark_in_use(block, block_size);
      return block;
    }
  }
  return ::operator new(size);
}

void deallocate(void* block, std::size_t bytes) noexcept {
  if (block == nullptr) return;
  std::size_t size = class_size(bytes);
  std::size_t index = class_index(size);
  if (index != kNotPooled) {
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    if (!p.lent_larger.empty()) {
      if (auto lent = p.lent_larger.find(block); lent != p.lent_larger.end()) {
        index = lent->second;
        size = size_of_class(index);
        p.lent_larger.erase(lent);
      }
    }
    if (p.idle_bytes + size <= kMaxIdleBytes) {
      try {
        p.idle[index].push_back(block);
        p.idle_bytes += size;
        mark_idle(block, size);
        return;
      } catch (const std::bad_alloc&) {
        // No room to remember the block: free it below instead.
      }
    }
  }
  ::operator delete(block, size);
}

std::size_t idle_bytes() noexcept {
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  return p.idle_bytes;
}

void release_idle() noexcept {
  std::array<std::vector<void*>, kClassCount> released;
  {
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    released.swap(p.idle);
    p.idle_bytes = 0;
  }
  for (std::size_t index = 0; index < kClassCount; ++index) {
    const std::size_t size = size_of_class(index);
    for (void* block : released[index]) {
      mark_in_use(block, size);
      ::operator delete(block, size);
    }
  }
}

UniqueBuffer make_unique_buffer(std::size_t bytes) {
  return UniqueBuffer(static_cast<char*>(allocate(bytes)), BufferReturn{bytes});
}

std::shared_ptr<char[]> make_shared_buffer(std::size_t bytes) {
  // Should the control block's allocation throw, the unique buffer still returns its block.
  return std::shared_ptr<char[]>(make_unique_buffer(bytes));
}

}  // namespace sluice::block_pool
