#include "support/buffer_pool.hpp"

namespace sluice::nodes {

std::shared_ptr<BufferPool> BufferPool::create(std::size_t buffer_size) {
  return std::shared_ptr<BufferPool>(new BufferPool(buffer_size));
}

std::shared_ptr<char[]> BufferPool::acquire() {
  std::unique_ptr<char[]> buffer;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      buffer = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++allocated_;
    }
  }
  // Left uninitialized on purpose (new char[n], not make_unique): the caller overwrites it.
  if (!buffer) buffer.reset(new char[buffer_size_]);
  // The deleter holds the pool, so a buffer outliving its reader still has a home.
  return std::shared_ptr<char[]>(
      buffer.release(),
      [pool = shared_from_this()](char* returned) noexcept { pool->release(returned); });
}

void BufferPool::release(char* buffer) noexcept {
  std::unique_ptr<char[]> owned(buffer);
  try {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(owned));
  } catch (...) {
    // No room to keep it (out of memory): `owned` frees it instead.
  }
}

std::size_t BufferPool::allocated() const {
  std::lock_guard lock(mutex_);
  return allocated_;
}

}  // namespace sluice::nodes
