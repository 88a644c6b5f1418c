#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/arena.hpp"

namespace sluice {
namespace {

// A different text for every i, 0 to 50 bytes long, so views into several blocks can be told
// apart.
std::string text_for(int i) {
  return std::string(static_cast<std::size_t>(i % 51), 'a' + i % 26);
}

TEST_CASE("Arena: views keep their text while later stores fill new blocks") {
  Arena arena(64);
  std::vector<std::string_view> views;
  for (int i = 0; i < 500; ++i) views.push_back(arena.store(text_for(i)));
  for (int i = 0; i < 500; ++i) {
    CAPTURE(i);
    CHECK(views[static_cast<std::size_t>(i)] == text_for(i));
  }
}

TEST_CASE("Arena: an empty text takes no memory") {
  Arena arena(64);
  CHECK(arena.store("").empty());
  CHECK(arena.capacity_bytes() == 0);
}

TEST_CASE("Arena: a value larger than a block gets a block of its own, counted in full") {
  Arena arena(16);
  const std::string large(40, 'x');
  CHECK(arena.store(large) == large);
  CHECK(arena.capacity_bytes() == 40);
  // The large block is full, so the next value opens a normal block...
  CHECK(arena.store("abc") == "abc");
  CHECK(arena.capacity_bytes() == 56);
  // ...which takes values until it is full.
  CHECK(arena.store("0123456789012") == "0123456789012");
  CHECK(arena.capacity_bytes() == 56);
  CHECK(arena.store("z") == "z");
  CHECK(arena.capacity_bytes() == 72);
}

TEST_CASE("Arena: allocations never overlap") {
  Arena arena(32);
  std::vector<std::pair<char*, std::size_t>> regions;
  for (std::size_t i = 0; i < 100; ++i) {
    const std::size_t size = 1 + i % 37;
    char* region = arena.allocate(size);
    std::memset(region, static_cast<int>(i), size);
    regions.emplace_back(region, size);
  }
  for (std::size_t i = 0; i < regions.size(); ++i) {
    CAPTURE(i);
    const auto [region, size] = regions[i];
    CHECK(std::string_view(region, size) == std::string(size, static_cast<char>(i)));
  }
}

TEST_CASE("Arena: views stay valid when the arena is moved") {
  Arena arena(64);
  const std::string_view view = arena.store("kept across the move");
  Arena moved = std::move(arena);
  CHECK(view == "kept across the move");
  CHECK(moved.store("more") == "more");
  CHECK(view == "kept across the move");
}

}  // namespace
}  // namespace sluice
