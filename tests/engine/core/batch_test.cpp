#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/batch.hpp"
#include "sluice/block_pool.hpp"

namespace sluice {
namespace {

using Views = std::vector<std::string_view>;

std::shared_ptr<const Columns> columns_of(std::vector<std::string> names) {
  auto columns = std::make_shared<Columns>();
  columns->names = std::move(names);
  return columns;
}

TEST_CASE("RowBatch: rows, row numbers and field bytes as rows are added") {
  RowBatch batch(columns_of({"a", "b", "c"}));
  batch.reserve(2);
  batch.add_row(Views{"x", "", "yz"}, 7);
  batch.add_row(Views{"", "", ""}, 9);
  REQUIRE(batch.size() == 2);
  CHECK(batch.field(0, 2) == "yz");
  CHECK(batch.row(1).size() == 3);
  CHECK(batch.row_number(0) == 7);
  CHECK(batch.row_number(1) == 9);
  CHECK(batch.field_bytes() == 3);
  CHECK_FALSE(batch.has_raw());
  CHECK(batch.raw_bytes() == 0);
  CHECK(batch.bytes_past_raw() == 0);
}

TEST_CASE("RowBatch: a large batch's arrays go back to the block pool, its arena's blocks too") {
  block_pool::release_idle();
  {
    RowBatch batch(columns_of({"a", "b", "c", "d"}));
    batch.set_raw_layout(4, ',', '"');
    batch.reserve(20'000);
    Arena& arena = batch.arena();
    for (std::uint64_t r = 0; r < 20'000; ++r) {
      const std::string_view value = arena.store("value " + std::to_string(r));
      batch.add_row(Views{value, "b", "c", "d"}, r + 2, "raw");
    }
    CHECK(batch.field(19'999, 0) == "value 19999");
    CHECK(block_pool::idle_bytes() == 0);
  }
  // Fields (20,000 x 4 views), row numbers and raw texts (20,000 each), and the arena's blocks.
  const std::size_t views = 20'000 * sizeof(std::string_view);
  CHECK(block_pool::idle_bytes() >= 4 * views + 20'000 * sizeof(std::uint64_t) + views);
  block_pool::release_idle();
}

TEST_CASE("RowBatch: raw text and the bytes of the columns it does not cover") {
  // Two columns read with raw text, two appended after them.
  RowBatch batch(columns_of({"a", "b", "e1", "e2"}));
  batch.set_raw_layout(2, ',', '"');
  batch.add_row(Views{"1", "a,b", "", "xyz"}, 2, "1,\"a,b\"");
  batch.add_row(Views{"22", "c", "q", ""}, 3, "22,c");
  REQUIRE(batch.size() == 2);
  CHECK(batch.raw(0) == "1,\"a,b\"");
  CHECK(batch.raw(1) == "22,c");
  CHECK(batch.raw_bytes() == 11);
  CHECK(batch.bytes_past_raw() == 4);
  CHECK(batch.field_bytes() == 11);

  // A parser states the value bytes itself; its raw text covers every column.
  RowBatch parsed(columns_of({"a", "b"}));
  parsed.set_raw_layout(2, ',', '"');
  parsed.add_row(Views{"1", "a,b"}, 2, "1,\"a,b\"", 4);
  CHECK(parsed.field_bytes() == 4);
  CHECK(parsed.raw_bytes() == 7);
  CHECK(parsed.bytes_past_raw() == 0);
}

}  // namespace
}  // namespace sluice
