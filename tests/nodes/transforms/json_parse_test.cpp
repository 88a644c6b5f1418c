// json_parse and json_serialize: records through the graph.
#include <doctest/doctest.h>

#include "support/temp_dir.hpp"
#include "support/test_nodes.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {

const char* kToRecords = R"(
id: records
nodes:
  - { id: read, type: file_read, options: { path: "${dir}/in.json", chunk_size: 1KiB } }
  - { id: parse, type: json_parse, input: read, options: { layout: "${layout}", on_error: "${on_error}", values_per_batch: 3 } }
  - { id: sink, type: test_collect_records, input: parse, options: { key: records } }
)";

const char* kRoundTrip = R"(
id: json_roundtrip
nodes:
  - { id: read, type: file_read, options: { path: "${dir}/in.json", chunk_size: 1KiB } }
  - { id: parse, type: json_parse, input: read }
  - { id: serialize, type: json_serialize, input: parse, options: { layout: "${layout}" } }
  - { id: write, type: file_write, input: serialize, options: { path: "${dir}/out.json" } }
)";

}  // namespace

TEST_CASE("json_parse turns JSON Lines and arrays into minified records, in order") {
  TempDir dir;
  std::string lines, array = "[\n";
  for (int i = 0; i < 1000; ++i) {
    lines += "{ \"id\": " + std::to_string(i) + ", \"text\": \"hello \\u00e9\" }\n";
    array += std::string(i ? ",\n" : "") + "  {\"id\": " + std::to_string(i) + ",\n   \"text\": \"hello \\u00e9\"}";
  }
  array += "\n]\n";
  for (const auto& [layout, content] : {std::pair<std::string, std::string>{"lines", lines},
                                        {"array", array}, {"detect", array}}) {
    CAPTURE(layout);
    write_file(dir.file("in.json"), content);
    observations().clear();
    RunOptions options;
    options.threads = 2;
    const RunReport report = run_yaml(
        kToRecords, {{"dir", dir.path().string()}, {"layout", layout}, {"on_error", "fail"}}, options);
    REQUIRE_MESSAGE(report.status.ok(), report.status.message());
    const auto& records = observations().records["records"];
    REQUIRE(records.size() == 1000);
    CHECK(records[0] == "{\"id\":0,\"text\":\"hello \xC3\xA9\"}");
    CHECK(records[999] == "{\"id\":999,\"text\":\"hello \xC3\xA9\"}");
    CHECK(report.nodes[1].rows_out == 1000);
  }
}

TEST_CASE("json_parse: invalid records follow on_error") {
  TempDir dir;
  write_file(dir.file("in.json"), "{\"a\":1}\n{\"a\":}\n{\"a\":3}\n");
  observations().clear();
  RunReport report = run_yaml(kToRecords,
                              {{"dir", dir.path().string()}, {"layout", "lines"}, {"on_error", "skip"}});
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(observations().records["records"] == std::vector<std::string>{"{\"a\":1}", "{\"a\":3}"});
  CHECK(report.nodes[1].skipped == 1);

  report = run_yaml(kToRecords, {{"dir", dir.path().string()}, {"layout", "lines"}, {"on_error", "fail"}});
  REQUIRE_FALSE(report.status.ok());
  CHECK(report.status.message().find("row 2: invalid JSON value") != std::string::npos);
}

TEST_CASE("json_serialize writes JSON Lines or an array that reads back the same") {
  TempDir dir;
  write_file(dir.file("in.json"), "[{\"a\": 1}, {\"b\": [true, null]}, \"s\"]");
  RunReport report = run_yaml(kRoundTrip, {{"dir", dir.path().string()}, {"layout", "lines"}});
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(read_file(dir.file("out.json")) == "{\"a\":1}\n{\"b\":[true,null]}\n\"s\"\n");

  report = run_yaml(kRoundTrip, {{"dir", dir.path().string()}, {"layout", "array"}});
  REQUIRE(report.status.ok());
  CHECK(read_file(dir.file("out.json")) == "[\n{\"a\":1},\n{\"b\":[true,null]},\n\"s\"\n]\n");

  write_file(dir.file("in.json"), "[]");
  report = run_yaml(kRoundTrip, {{"dir", dir.path().string()}, {"layout", "array"}});
  REQUIRE(report.status.ok());
  CHECK(read_file(dir.file("out.json")) == "[]\n");
}
