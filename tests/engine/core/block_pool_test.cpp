#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sluice/block_pool.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace sluice {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;

TEST_CASE("block_pool: sizes round up to 2^k or 1.5 x 2^k, small ones not at all") {
  CHECK(block_pool::class_size(100) == 100);
  CHECK(block_pool::class_size(block_pool::kMinBytes - 1) == block_pool::kMinBytes - 1);
  CHECK(block_pool::class_size(block_pool::kMinBytes) == block_pool::kMinBytes);
  CHECK(block_pool::class_size(kMiB) == kMiB);
  CHECK(block_pool::class_size(kMiB + 1) == kMiB + kMiB / 2);
  CHECK(block_pool::class_size(kMiB + kMiB / 2) == kMiB + kMiB / 2);
  CHECK(block_pool::class_size(kMiB + kMiB / 2 + 1) == 2 * kMiB);
  for (std::size_t bytes = block_pool::kMinBytes; bytes < 64 * kMiB; bytes = bytes * 9 / 7) {
    CAPTURE(bytes);
    CHECK(block_pool::class_size(bytes) >= bytes);
    CHECK(block_pool::class_size(bytes) <= bytes / 2 * 3 + 1);
  }
  // Too large to pool: taken as asked.
  const std::size_t huge = std::size_t{5} << 32;
  CHECK(block_pool::class_size(huge) == huge);
}

TEST_CASE("block_pool: a freed block serves the next request of its class") {
  block_pool::release_idle();
  void* first = block_pool::allocate(kMiB + 100);
  std::memset(first, 'x', kMiB + 100);
  block_pool::deallocate(first, kMiB + 100);
  CHECK(block_pool::idle_bytes() == kMiB + kMiB / 2);

  // Another size of the same class gets the same block back; the pool no longer holds it.
  void* second = block_pool::allocate(kMiB + kMiB / 4);
  CHECK(second == first);
  CHECK(block_pool::idle_bytes() == 0);

  // A request of another class does not take it.
  block_pool::deallocate(second, kMiB + kMiB / 4);
  void* other = block_pool::allocate(4 * kMiB);
  CHECK(other != first);
  CHECK(block_pool::idle_bytes() == kMiB + kMiB / 2);
  block_pool::deallocate(other, 4 * kMiB);
  CHECK(block_pool::idle_bytes() == kMiB + kMiB / 2 + 4 * kMiB);

  block_pool::release_idle();
  CHECK(block_pool::idle_bytes() == 0);
}

TEST_CASE(
    "block_pool: a request may take an idle block up to two classes larger, which returns to its "
    "class") {
  block_pool::release_idle();
  void* large = block_pool::allocate(2 * kMiB);
  block_pool::deallocate(large, 2 * kMiB);

  // 1 MiB + 1 byte is of the 1.5 MiB class, empty; the 2 MiB class is the next one up.
  void* lent = block_pool::allocate(kMiB + 1);
  CHECK(lent == large);
  CHECK(block_pool::idle_bytes() == 0);
  std::memset(lent, 'w', kMiB + 1);
  block_pool::deallocate(lent, kMiB + 1);
  CHECK(block_pool::idle_bytes() == 2 * kMiB);

  // Back in its own class: a 2 MiB request gets it.
  void* again = block_pool::allocate(2 * kMiB);
  CHECK(again == large);
  block_pool::deallocate(again, 2 * kMiB);

  // Three classes up (4 MiB for a 1.5 MiB request) is too far: a new block instead.
  block_pool::release_idle();
  void* far = block_pool::allocate(4 * kMiB);
  block_pool::deallocate(far, 4 * kMiB);
  void* fresh = block_pool::allocate(kMiB + kMiB / 2);
  CHECK(fresh != far);
  CHECK(block_pool::idle_bytes() == 4 * kMiB);
  block_pool::deallocate(fresh, kMiB + kMiB / 2);
  block_pool::release_idle();
}

TEST_CASE("block_pool: small requests bypass the pool") {
  block_pool::release_idle();
  void* small = block_pool::allocate(1000);
  std::memset(small, 'y', 1000);
  block_pool::deallocate(small, 1000);
  CHECK(block_pool::idle_bytes() == 0);
}

TEST_CASE("block_pool: a block freed on another thread is reused") {
  block_pool::release_idle();
  void* block = block_pool::allocate(2 * kMiB);
  std::thread([&] { block_pool::deallocate(block, 2 * kMiB); }).join();
  CHECK(block_pool::idle_bytes() == 2 * kMiB);
  void* again = nullptr;
  std::thread([&] { again = block_pool::allocate(2 * kMiB); }).join();
  CHECK(again == block);
  block_pool::deallocate(again, 2 * kMiB);
  block_pool::release_idle();
}

TEST_CASE("block_pool: idle blocks beyond the limit go back to the allocator") {
  block_pool::release_idle();
  const std::size_t size = 8 * kMiB;
  std::vector<void*> blocks;
  for (std::size_t held = 0; held <= block_pool::kMaxIdleBytes + size; held += size) {
    blocks.push_back(block_pool::allocate(size));
  }
  for (void* block : blocks) block_pool::deallocate(block, size);
  CHECK(block_pool::idle_bytes() <= block_pool::kMaxIdleBytes);
  CHECK(block_pool::idle_bytes() > block_pool::kMaxIdleBytes - size);
  block_pool::release_idle();
}

TEST_CASE("block_pool: containers grow through the allocator and give their blocks back") {
  block_pool::release_idle();
  {
    std::vector<std::uint64_t, block_pool::Allocator<std::uint64_t>> numbers;
    for (std::uint64_t i = 0; i < 200'000; ++i) numbers.push_back(i * 7);
    bool intact = true;
    for (std::uint64_t i = 0; i < numbers.size(); ++i) intact = intact && numbers[i] == i * 7;
    CHECK(intact);
  }
  // Every growth step past kMinBytes left a block in the pool.
  CHECK(block_pool::idle_bytes() >= 200'000 * sizeof(std::uint64_t));

  block_pool::String text;
  for (int i = 0; i < 100'000; ++i) text += "abc,";
  CHECK(text.size() == 400'000);
  CHECK(text.substr(0, 8) == "abc,abc,");
  block_pool::release_idle();
}

TEST_CASE("block_pool: a shared buffer goes back when its last owner does") {
  block_pool::release_idle();
  std::shared_ptr<char[]> buffer = block_pool::make_shared_buffer(kMiB);
  std::memset(buffer.get(), 'z', kMiB);
  std::shared_ptr<char[]> other_owner = buffer;
  buffer.reset();
  CHECK(block_pool::idle_bytes() == 0);
  other_owner.reset();
  CHECK(block_pool::idle_bytes() == kMiB);
  block_pool::release_idle();
}

#if defined(__SANITIZE_ADDRESS__)
TEST_CASE("block_pool: under AddressSanitizer an idle block is poisoned, a reused one is not") {
  block_pool::release_idle();
  char* block = static_cast<char*>(block_pool::allocate(kMiB));
  CHECK_FALSE(__asan_address_is_poisoned(block + kMiB / 2));
  block_pool::deallocate(block, kMiB);
  CHECK(__asan_address_is_poisoned(block + kMiB / 2));
  char* again = static_cast<char*>(block_pool::allocate(kMiB));
  REQUIRE(again == block);
  CHECK_FALSE(__asan_address_is_poisoned(again + kMiB / 2));
  block_pool::deallocate(again, kMiB);
  block_pool::release_idle();
}
#endif

}  // namespace
}  // namespace sluice
