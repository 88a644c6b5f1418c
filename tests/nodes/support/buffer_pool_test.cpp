#include <doctest/doctest.h>

#include <cstring>
#include <thread>

#include "support/buffer_pool.hpp"

namespace sluice::nodes {
namespace {

TEST_CASE("buffer_pool: a released buffer is handed out again instead of a new one") {
  auto pool = BufferPool::create(4096);
  auto first = pool->acquire();
  auto second = pool->acquire();
  CHECK(first.get() != second.get());
  CHECK(pool->allocated() == 2);
  char* const first_memory = first.get();
  auto copy = first;
  first.reset();
  CHECK(pool->acquire().get() != first_memory);  // still held through `copy`
  CHECK(pool->allocated() == 3);
  copy.reset();
  auto again = pool->acquire();
  CHECK(again.get() == first_memory);
  CHECK(pool->allocated() == 3);
}

TEST_CASE("buffer_pool: buffers may outlive the pool's owner and return from other threads") {
  auto pool = BufferPool::create(1024);
  auto buffer = pool->acquire();
  std::memset(buffer.get(), 'x', pool->buffer_size());
  std::weak_ptr<BufferPool> watch = pool;
  pool.reset();
  CHECK_FALSE(watch.expired());  // kept alive by the buffer
  std::thread([moved = std::move(buffer)]() mutable { moved.reset(); }).join();
  CHECK(watch.expired());
}

}  // namespace
}  // namespace sluice::nodes
