// The running graph: order, bounded memory, fan-out/fan-in, failure and cancellation.
#include <doctest/doctest.h>

#include <chrono>
#include <numeric>
#include <thread>

#include "sluice/block_pool.hpp"
#include "sluice/pipeline.hpp"
#include "support/temp_dir.hpp"
#include "support/test_nodes.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {

std::vector<std::uint64_t> iota_ids(std::uint64_t count) {
  std::vector<std::uint64_t> ids(count);
  std::iota(ids.begin(), ids.end(), 0);
  return ids;
}

const char* kShuffled = R"(
id: shuffled
nodes:
  - id: source
    type: test_rows
    options: { rows: ${rows}, batch_rows: ${batch_rows} }
  - id: shuffle
    type: test_shuffle
    input: source
  - id: sink
    type: test_collect_rows
    input: shuffle
    options: { key: out }
)";

}  // namespace

TEST_CASE("an ordered sink receives batches in source order whatever the thread count") {
  for (int threads : {1, 2, 4}) {
    for (const char* batch_rows : {"1", "7", "64"}) {
      CAPTURE(threads);
      CAPTURE(batch_rows);
      observations().clear();
      RunOptions options;
      options.threads = threads;
      const RunReport report =
          run_yaml(kShuffled, {{"rows", "500"}, {"batch_rows", batch_rows}}, options);
      REQUIRE_MESSAGE(report.status.ok(), report.status.message());
      CHECK(observations().row_ids["out"] == iota_ids(500));
    }
  }
}

TEST_CASE("batches in flight never exceed the budget") {
  for (std::size_t budget : {1, 3, 8}) {
    CAPTURE(budget);
    observations().clear();
    RunOptions options;
    options.threads = 4;
    options.max_in_flight = budget;
    const RunReport report = run_yaml(kShuffled, {{"rows", "2000"}, {"batch_rows", "5"}}, options);
    REQUIRE_MESSAGE(report.status.ok(), report.status.message());
    CHECK(observations().row_ids["out"].size() == 2000);
    CHECK(report.max_in_flight == budget);
    CHECK(report.peak_in_flight >= 1);
    CHECK(report.peak_in_flight <= budget);
    // Counted by the test nodes themselves, independently of the engine's own bookkeeping.
    CHECK(observations().max_outstanding.load() <= static_cast<std::int64_t>(budget));
  }
}

TEST_CASE("the default budget is 2 batches in flight per worker, plus 2") {
  for (int threads : {1, 2, 4}) {
    CAPTURE(threads);
    observations().clear();
    RunOptions options;
    options.threads = threads;
    const RunReport report = run_yaml(kShuffled, {{"rows", "200"}, {"batch_rows", "5"}}, options);
    REQUIRE_MESSAGE(report.status.ok(), report.status.message());
    CHECK(report.max_in_flight == static_cast<std::size_t>(2 * threads + 2));
    CHECK(report.peak_in_flight <= report.max_in_flight);
  }
}

TEST_CASE("fan-out gives every reader all batches, fan-in merges inputs") {
  observations().clear();
  const RunReport report = run_yaml(R"(
id: fan
nodes:
  - id: a
    type: test_rows
    options: { rows: 300, batch_rows: 7 }
  - id: b
    type: test_rows
    options: { rows: 200, batch_rows: 9 }
  - id: left
    type: test_collect_rows
    input: a
    options: { key: left }
  - id: shuffled
    type: test_shuffle
    input: a
  - id: right
    type: test_collect_rows
    input: shuffled
    options: { key: right }
  - id: merged
    type: test_merge
    inputs: [a, b]
  - id: all
    type: test_collect_rows
    input: merged
    options: { key: all }
)");
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  auto& seen = observations();
  CHECK(seen.row_ids["left"] == iota_ids(300));
  CHECK(seen.row_ids["right"] == iota_ids(300));
  std::map<std::uint64_t, int> copies;
  for (auto id : seen.row_ids["all"]) ++copies[id];
  CHECK(seen.row_ids["all"].size() == 500);
  for (std::uint64_t id = 0; id < 300; ++id) CHECK(copies[id] == (id < 200 ? 2 : 1));
}

TEST_CASE("a throwing node cancels the run and the error names it") {
  TempDir dir;
  observations().clear();
  RunOptions options;
  options.threads = 2;
  const RunReport report = run_yaml(R"(
id: failing
nodes:
  - id: source
    type: test_rows
    options: { rows: 100000, batch_rows: 10 }
  - id: boom
    type: test_fail_at
    input: source
    options: { row: 500 }
  - id: sink
    type: test_collect_rows
    input: boom
    options: { key: out }
)",
                                    {}, options);
  REQUIRE_FALSE(report.status.ok());
  CHECK(report.status.code() == StatusCode::data_error);
  CHECK(report.status.message().find("node 'boom' (test_fail_at)") != std::string::npos);
  CHECK(report.status.message().find("row 502: refusing id 500") != std::string::npos);
  // Cancelled early: far fewer than all rows went through.
  CHECK(observations().row_ids["out"].size() < 100000);
}

TEST_CASE("a failed run leaves no output file and no temp file") {
  TempDir dir;
  write_file(dir.file("in.csv"), "id,text\n1,a\n2,b,extra\n3,c\n");
  const RunReport report = run_yaml(R"(
id: failing_write
nodes:
  - { id: read, type: file_read, options: { path: "${dir}/in.csv" } }
  - { id: parse, type: csv_parse, input: read }
  - { id: serialize, type: csv_serialize, input: parse }
  - { id: write, type: file_write, input: serialize, options: { path: "${dir}/out.csv" } }
)",
                                    {{"dir", dir.path().string()}});
  REQUIRE_FALSE(report.status.ok());
  CHECK(report.status.message().find("node 'parse' (csv_parse) failed on " + dir.file("in.csv") +
                                     ": row 3: expected 2 fields, found 3") != std::string::npos);
  CHECK(dir.entries() == std::vector<std::string>{"in.csv"});
}

TEST_CASE("cancelling a run leaves no partial file and an existing output untouched") {
  TempDir dir;
  std::string input = "id,text\n";
  for (int i = 0; i < 200000; ++i) input += std::to_string(i) + ",some text here\n";
  write_file(dir.file("in.csv"), input);
  write_file(dir.file("out.csv"), "previous content\n");
  LoadOptions load;
  load.variables = {{"dir", dir.path().string()}};
  auto spec = load_pipeline_text(R"(
id: cancelled
nodes:
  - { id: read, type: file_read, options: { path: "${dir}/in.csv", chunk_size: 4KiB } }
  - { id: parse, type: csv_parse, input: read }
  - { id: slow, type: test_shuffle, input: parse }
  - { id: serialize, type: csv_serialize, input: slow }
  - { id: write, type: file_write, input: serialize, options: { path: "${dir}/out.csv" } }
)",
                                 "cancel.yaml", load);
  REQUIRE_MESSAGE(spec.ok(), spec.status().message());
  auto pipeline = Pipeline::build(*spec, test_registry());
  REQUIRE(pipeline.ok());
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    (*pipeline)->cancel();
  });
  RunOptions options;
  options.threads = 2;
  const RunReport report = (*pipeline)->run(options);
  canceller.join();
  CHECK(report.status.code() == StatusCode::cancelled);
  CHECK(dir.entries() == std::vector<std::string>{"in.csv", "out.csv"});
  CHECK(read_file(dir.file("out.csv")) == "previous content\n");
}

TEST_CASE("metrics add up and the report is complete") {
  observations().clear();
  RunOptions options;
  options.threads = 2;
  const RunReport report = run_yaml(kShuffled, {{"rows", "1000"}, {"batch_rows", "10"}}, options);
  REQUIRE(report.status.ok());
  REQUIRE(report.nodes.size() == 3);
  CHECK(report.nodes[0].rows_out == 1000);
  CHECK(report.nodes[0].batches_out == 100);
  CHECK(report.nodes[1].rows_in == 1000);
  CHECK(report.nodes[1].rows_out == 1000);
  CHECK(report.nodes[2].rows_in == 1000);
  CHECK(report.nodes[1].busy_seconds > 0);
  CHECK(report.threads == 2);
  CHECK(report.peak_rss_bytes > 0);
  const std::string json = report.to_json();
  CHECK(json.find("\"pipeline\":\"shuffled\"") != std::string::npos);
  CHECK(json.find("\"status\":\"success\"") != std::string::npos);
  CHECK(json.find("\"peak_rss_bytes\":") != std::string::npos);
  CHECK(report.summary_table().find("shuffle") != std::string::npos);
}

TEST_CASE("progress is reported while the run goes on") {
  observations().clear();
  std::atomic<int> calls{0};
  RunOptions options;
  options.progress_interval = std::chrono::milliseconds(5);
  options.on_progress = [&](const Progress&) { calls.fetch_add(1); };
  const RunReport report = run_yaml(kShuffled, {{"rows", "3000"}, {"batch_rows", "3"}}, options);
  REQUIRE(report.status.ok());
  CHECK(calls.load() > 0);
}

TEST_CASE("a pipeline runs only once") {
  auto spec = load_pipeline_text(R"(
id: once
nodes:
  - { id: s, type: test_rows }
  - { id: k, type: test_collect_rows, input: s, options: { key: once } }
)",
                                 "once.yaml");
  REQUIRE(spec.ok());
  auto pipeline = Pipeline::build(*spec, test_registry());
  REQUIRE(pipeline.ok());
  CHECK((*pipeline)->run().status.ok());
  CHECK_FALSE((*pipeline)->run().status.ok());
}

TEST_CASE("when a run ends, the block pool gives its idle blocks back") {
  // 20,000 rows in batches of 10,000: each batch's row numbers alone take a pooled block.
  observations().clear();
  RunOptions options;
  options.threads = 2;
  const RunReport report =
      run_yaml(kShuffled, {{"rows", "20000"}, {"batch_rows", "10000"}}, options);
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(observations().row_ids["out"] == iota_ids(20'000));
  CHECK(block_pool::idle_bytes() == 0);
}
