#include "sluice/row_errors.hpp"

#include <doctest/doctest.h>

#include <string>

#include "sluice/metrics.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using testing::read_file;
using testing::TempDir;

RowErrorPolicy::BatchRows batch_with(RowErrorPolicy& policy, NodeMetrics& metrics,
                                     std::uint64_t seq, std::uint64_t row) {
  RowErrorPolicy::BatchRows rows{seq, {}};
  policy.handle(metrics, rows, "in.csv", row, "bad", "raw " + std::to_string(row));
  return rows;
}

TEST_CASE("row errors: a map step's batches are quarantined in stream order, whatever order they finish in") {
  TempDir dir;
  RowErrorPolicy policy(OnError::quarantine, dir.file("bad.csv"));
  REQUIRE(policy.open().ok());
  NodeMetrics metrics;
  policy.finish_batch(batch_with(policy, metrics, 2, 30));
  policy.finish_batch(RowErrorPolicy::BatchRows{3, {}});  // a batch without bad rows
  policy.finish_batch(batch_with(policy, metrics, 1, 20));
  policy.finish_batch(batch_with(policy, metrics, 4, 50));
  policy.finish_batch(batch_with(policy, metrics, 0, 10));
  REQUIRE(policy.commit().ok());
  CHECK(read_file(dir.file("bad.csv")) ==
        "source,row,reason,raw\n"
        "\"in.csv\",10,\"bad\",\"raw 10\"\n"
        "\"in.csv\",20,\"bad\",\"raw 20\"\n"
        "\"in.csv\",30,\"bad\",\"raw 30\"\n"
        "\"in.csv\",50,\"bad\",\"raw 50\"\n");
  CHECK(metrics.quarantined.load() == 4);
  CHECK(metrics.errors.load() == 4);
}

TEST_CASE("row errors: rows of a batch still waiting for an earlier one are not lost at commit") {
  TempDir dir;
  RowErrorPolicy policy(OnError::quarantine, dir.file("bad.csv"));
  REQUIRE(policy.open().ok());
  NodeMetrics metrics;
  policy.finish_batch(batch_with(policy, metrics, 1, 20));  // batch 0 never finishes
  REQUIRE(policy.commit().ok());
  CHECK(read_file(dir.file("bad.csv")) == "source,row,reason,raw\n\"in.csv\",20,\"bad\",\"raw 20\"\n");
}

TEST_CASE("row errors: skip counts a map step's bad rows and writes nothing") {
  RowErrorPolicy policy(OnError::skip, "");
  REQUIRE(policy.open().ok());
  NodeMetrics metrics;
  RowErrorPolicy::BatchRows rows = batch_with(policy, metrics, 0, 10);
  CHECK(rows.lines.empty());
  policy.finish_batch(std::move(rows));
  CHECK(metrics.skipped.load() == 1);
  CHECK(policy.commit().ok());
}

TEST_CASE("row errors: fail stops at a map step's first bad row, naming it") {
  RowErrorPolicy policy(OnError::fail, "");
  NodeMetrics metrics;
  RowErrorPolicy::BatchRows rows{0, {}};
  CHECK_THROWS_WITH_AS(policy.handle(metrics, rows, "in.csv", 7, "expected 2 fields, found 1", "x"),
                       doctest::Contains("row 7: expected 2 fields, found 1"), Error);
}

}  // namespace
}  // namespace sluice
