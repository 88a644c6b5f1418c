#include <doctest/doctest.h>

#include <string>
#include <thread>

#include "support/bounded_queue.hpp"

namespace sluice::nodes {
namespace {

TEST_CASE("bounded_queue: items come out in order; close lets the rest drain, then ends") {
  BoundedQueue<int> queue(3);
  for (int i = 1; i <= 3; ++i) CHECK(queue.push(i));
  queue.close();
  CHECK_FALSE(queue.push(4));
  CHECK(queue.pop() == 1);
  CHECK(queue.pop() == 2);
  CHECK(queue.pop() == 3);
  CHECK(queue.pop() == std::nullopt);
}

TEST_CASE("bounded_queue: weights bound the queue; a heavy item passes alone") {
  BoundedQueue<std::string> queue(10);
  CHECK(queue.push("heavier than the capacity", 25));  // the queue was empty
  // The next push must wait until the heavy item is gone.
  std::thread consumer([&] {
    CHECK(queue.pop() == "heavier than the capacity");
    CHECK(queue.pop() == "a");
    CHECK(queue.pop() == "b");
    CHECK(queue.pop() == std::nullopt);
  });
  CHECK(queue.push("a", 6));
  CHECK(queue.push("b", 4));
  queue.close();
  consumer.join();
}

TEST_CASE("bounded_queue: close wakes a producer waiting for room; clear drops what is queued") {
  BoundedQueue<int> queue(1);
  CHECK(queue.push(1));
  bool pushed = true;
  std::thread producer([&] { pushed = queue.push(2); });
  queue.close();
  producer.join();
  CHECK_FALSE(pushed);
  queue.clear();
  CHECK(queue.pop() == std::nullopt);
}

}  // namespace
}  // namespace sluice::nodes
