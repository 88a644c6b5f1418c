// csv_parse as a node: header handling, row numbers across chunk sizes, on_error policies.
// (Field-level RFC 4180 cases are covered by tests/nodes/support/csv_*_test.cpp.)
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "sluice/metrics.hpp"
#include "sluice/node.hpp"
#include "support/temp_dir.hpp"
#include "support/test_nodes.hpp"
#include "transforms/csv_parse.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {

class QuietContext final : public RunContext {
 public:
  bool cancelled() const noexcept override { return false; }
  NodeMetrics& metrics() noexcept override { return metrics_; }
  void log(LogLevel, const std::string&) override {}
  int threads() const noexcept override { return 1; }
  const std::string& node_id() const noexcept override { return id_; }

 private:
  NodeMetrics metrics_;
  std::string id_ = "parse";
};

class CollectingEmitter final : public Emitter {
 public:
  void emit(Batch batch) override { batches.push_back(std::move(batch)); }
  std::vector<Batch> batches;
};

// Runs csv_parse's two steps by hand over `chunks` (each one input batch) and returns the row
// batches, so a test can look at what the node puts on them besides the rows.
std::vector<Batch> parse_chunks(const std::vector<std::string>& chunks) {
  const NodeType type = nodes::csv_parse_type();
  auto made = type.make(NodeOptions(Value::map({}), type.options, {}));
  REQUIRE_MESSAGE(made.ok(), made.status().message());
  const std::unique_ptr<Node> node = std::move(made).value();
  QuietContext context;
  REQUIRE(node->open(context).ok());
  auto steps = node->steps();
  auto& frame = std::get<SerialStep>(steps.at(0));
  auto& split = std::get<MapStep>(steps.at(1));
  CollectingEmitter framed;
  for (const std::string& chunk : chunks) {
    Batch in;
    in.payload = ByteChunk::own(chunk);
    frame.process(0, in, framed);
  }
  frame.finish(framed);
  std::vector<Batch> parsed;
  for (std::uint64_t i = 0; i < framed.batches.size(); ++i) {
    parsed.push_back(split.process(framed.batches[i], BatchInfo{i}));
  }
  return parsed;
}

const char* kRoundTrip = R"(
id: roundtrip
nodes:
  - { id: read, type: file_read, options: { path: "${dir}/in.csv", chunk_size: "${chunk}" } }
  - id: parse
    type: csv_parse
    input: read
    options: { on_error: "${on_error}", quarantine: "${quarantine}" }
  - { id: serialize, type: csv_serialize, input: parse }
  - { id: write, type: file_write, input: serialize, options: { path: "${dir}/out.csv" } }
)";

const char* kRoundTripNoQuarantine = R"(
id: roundtrip
nodes:
  - { id: read, type: file_read, options: { path: "${dir}/in.csv", chunk_size: "${chunk}" } }
  - { id: parse, type: csv_parse, input: read, options: { on_error: "${on_error}" } }
  - { id: serialize, type: csv_serialize, input: parse }
  - { id: write, type: file_write, input: serialize, options: { path: "${dir}/out.csv" } }
)";

}  // namespace

TEST_CASE("csv_parse -> csv_serialize round-trips tricky CSV at every chunk size") {
  TempDir dir;
  std::string input = "\xEF\xBB\xBFid,utterance,note\r\n";
  for (int i = 0; i < 3000; ++i) {
    input += std::to_string(i) + ",";
    switch (i % 5) {
      case 0: input += "plain text"; break;
      case 1: input += "\"with, comma\""; break;
      case 2: input += "\"say \"\"hi\"\"\""; break;
      case 3: input += "\"two\nlines\""; break;
      default: input += "caf\xC3\xA9 \xF0\x9F\x98\x80"; break;
    }
    input += ",";
    input += (i % 2 ? "\r\n" : "\n");
  }
  write_file(dir.file("in.csv"), input);
  std::string expected;
  for (const char* chunk : {"1KiB", "3KiB", "1MiB"}) {
    CAPTURE(chunk);
    RunOptions options;
    options.threads = 2;
    const RunReport report = run_yaml(kRoundTripNoQuarantine,
                                      {{"dir", dir.path().string()}, {"chunk", chunk}, {"on_error", "fail"}}, options);
    REQUIRE_MESSAGE(report.status.ok(), report.status.message());
    const std::string output = read_file(dir.file("out.csv"));
    if (expected.empty()) expected = output;
    CHECK(output == expected);
    CHECK(report.nodes[1].rows_out == 3000);
  }
  CHECK(expected.rfind("id,utterance,note\n0,plain text,\n1,\"with, comma\",\n", 0) == 0);
  CHECK(expected.find("3,\"two\nlines\",\n") != std::string::npos);
}

TEST_CASE("csv_parse on_error: fail names the file, the row and the fix") {
  TempDir dir;
  write_file(dir.file("in.csv"), "a,b\n1,2\n3\n4,5\n");
  const RunReport report = run_yaml(kRoundTripNoQuarantine,
                                    {{"dir", dir.path().string()}, {"chunk", "1KiB"}, {"on_error", "fail"}});
  REQUIRE_FALSE(report.status.ok());
  const std::string& message = report.status.message();
  CHECK(message.find(dir.file("in.csv")) != std::string::npos);
  CHECK(message.find("row 3: expected 2 fields, found 1") != std::string::npos);
  CHECK(message.find("on_error: skip or quarantine") != std::string::npos);
}

TEST_CASE("csv_parse on_error: skip drops and counts bad rows") {
  TempDir dir;
  write_file(dir.file("in.csv"), "a,b\n1,2\n3\n4,5\n\"x\"y,6\n7,8\n");
  const RunReport report = run_yaml(kRoundTripNoQuarantine,
                                    {{"dir", dir.path().string()}, {"chunk", "1KiB"}, {"on_error", "skip"}});
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(read_file(dir.file("out.csv")) == "a,b\n1,2\n4,5\n7,8\n");
  CHECK(report.nodes[1].errors == 2);
  CHECK(report.nodes[1].skipped == 2);
  CHECK(report.nodes[1].rows_out == 3);
}

TEST_CASE("csv_parse on_error: quarantine writes bad rows with their row numbers") {
  TempDir dir;
  write_file(dir.file("in.csv"), "a,b\n1,2\n3\n4,5\n6,7,8\n");
  const RunReport report =
      run_yaml(kRoundTrip, {{"dir", dir.path().string()},
                            {"chunk", "1KiB"},
                            {"on_error", "quarantine"},
                            {"quarantine", dir.file("bad.csv")}});
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(read_file(dir.file("out.csv")) == "a,b\n1,2\n4,5\n");
  CHECK(report.nodes[1].quarantined == 2);
  const std::string bad = read_file(dir.file("bad.csv"));
  CHECK(bad.rfind("source,row,reason,raw\n", 0) == 0);
  CHECK(bad.find(",3,\"expected 2 fields, found 1\",\"3\"\n") != std::string::npos);
  CHECK(bad.find(",5,\"expected 2 fields, found 3\",\"6,7,8\"\n") != std::string::npos);
}

TEST_CASE("csv_parse quarantine lists bad rows in source order at 4 threads") {
  // Small chunks make many batches, parsed in parallel and finished in any order.
  TempDir dir;
  std::string input = "a,b\n";
  for (int i = 0; i < 20000; ++i) input += i % 7 == 3 ? std::to_string(i) + "\n" : std::to_string(i) + ",x\n";
  write_file(dir.file("in.csv"), input);
  RunOptions options;
  options.threads = 4;
  const RunReport report =
      run_yaml(kRoundTrip,
               {{"dir", dir.path().string()}, {"chunk", "1KiB"}, {"on_error", "quarantine"},
                {"quarantine", dir.file("bad.csv")}},
               options);
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  const std::string bad = read_file(dir.file("bad.csv"));
  std::vector<std::uint64_t> rows;
  std::size_t at = bad.find('\n') + 1;  // past the header
  while (at < bad.size()) {
    const std::size_t comma = bad.find(',', at);
    const std::size_t end = bad.find('\n', at);
    rows.push_back(std::stoull(bad.substr(comma + 1, bad.find(',', comma + 1) - comma - 1)));
    at = end + 1;
  }
  std::vector<std::uint64_t> expected;
  for (int i = 0; i < 20000; ++i) {
    if (i % 7 == 3) expected.push_back(static_cast<std::uint64_t>(i) + 2);  // header is row 1
  }
  CHECK(rows == expected);
  CHECK(report.nodes[1].quarantined == expected.size());
}

TEST_CASE("csv_parse quarantine without a file is a validation error") {
  TempDir dir;
  const RunReport report = run_yaml(kRoundTripNoQuarantine,
                                    {{"dir", dir.path().string()}, {"chunk", "1KiB"}, {"on_error", "quarantine"}});
  REQUIRE_FALSE(report.status.ok());
  CHECK(report.status.message().find("needs a `quarantine` file") != std::string::npos);
}

TEST_CASE("csv_parse: a header-only file gives a header-only output, an empty file is an error") {
  TempDir dir;
  write_file(dir.file("in.csv"), "a,b\n");
  RunReport report = run_yaml(kRoundTripNoQuarantine,
                              {{"dir", dir.path().string()}, {"chunk", "1KiB"}, {"on_error", "fail"}});
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(read_file(dir.file("out.csv")) == "a,b\n");

  // Without a final line break too: the header used to come out a second time, as a data row
  // (found by fuzzing the pipeline).
  write_file(dir.file("in.csv"), "a,b");
  report = run_yaml(kRoundTripNoQuarantine,
                    {{"dir", dir.path().string()}, {"chunk", "1KiB"}, {"on_error", "fail"}});
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(read_file(dir.file("out.csv")) == "a,b\n");

  write_file(dir.file("in.csv"), "");
  report = run_yaml(kRoundTripNoQuarantine,
                    {{"dir", dir.path().string()}, {"chunk", "1KiB"}, {"on_error", "fail"}});
  REQUIRE_FALSE(report.status.ok());
  CHECK(report.status.message().find("is empty: expected a header row") != std::string::npos);
}

TEST_CASE("csv_parse: columns option for files without a header, and a tab delimiter") {
  TempDir dir;
  write_file(dir.file("in.tsv"), "1\thello, world\n2\tbye\n");
  const RunReport report = run_yaml(R"(
id: tsv
nodes:
  - { id: read, type: file_read, options: { path: "${dir}/in.tsv" } }
  - { id: parse, type: csv_parse, input: read, options: { delimiter: "\t", columns: [id, text] } }
  - { id: serialize, type: csv_serialize, input: parse }
  - { id: write, type: file_write, input: serialize, options: { path: "${dir}/out.csv" } }
)", {{"dir", dir.path().string()}});
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(read_file(dir.file("out.csv")) == "id,text\n1,\"hello, world\"\n2,bye\n");
}

TEST_CASE("csv_parse keeps source row numbers through multi-line records") {
  TempDir dir;
  write_file(dir.file("in.csv"), "id,text\n0,\"a\nb\"\n1,c\n2,\"d\n\ne\"\n3,f\n");
  observations().clear();
  const RunReport report = run_yaml(R"(
id: rows
nodes:
  - { id: read, type: file_read, options: { path: "${dir}/in.csv", chunk_size: 1KiB } }
  - { id: parse, type: csv_parse, input: read }
  - { id: boom, type: test_fail_at, input: parse, options: { row: 3 } }
  - { id: sink, type: test_collect_rows, input: boom, options: { key: rows } }
)", {{"dir", dir.path().string()}});
  REQUIRE_FALSE(report.status.ok());
  // id 3 is the fifth record (header = row 1), although it starts on line 8.
  CHECK(report.status.message().find("row 5: refusing id 3") != std::string::npos);
}

TEST_CASE("csv_serialize copies original columns byte for byte, or re-quotes for another dialect") {
  TempDir dir;
  write_file(dir.file("in.csv"), "id,text\n\"1\",\"hello\"\n2,\"a \"\"b\"\"\"\r\n");
  RunReport report = run_yaml(kRoundTripNoQuarantine,
                              {{"dir", dir.path().string()}, {"chunk", "1KiB"}, {"on_error", "fail"}});
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(read_file(dir.file("out.csv")) == "id,text\n\"1\",\"hello\"\n2,\"a \"\"b\"\"\"\n");

  report = run_yaml(R"(
id: to_tsv
nodes:
  - { id: read, type: file_read, options: { path: "${dir}/in.csv" } }
  - { id: parse, type: csv_parse, input: read }
  - { id: serialize, type: csv_serialize, input: parse, options: { delimiter: ";" } }
  - { id: write, type: file_write, input: serialize, options: { path: "${dir}/out.csv" } }
)", {{"dir", dir.path().string()}});
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(read_file(dir.file("out.csv")) == "id;text\n1;hello\n2;\"a \"\"b\"\"\"\n");
}

TEST_CASE("csv_parse vouches for UTF-8 per block: only blocks that are valid as a whole") {
  // The framer cuts blocks at chunk boundaries (after the last complete record), so each chunk
  // here becomes one block.
  const auto batches =
      parse_chunks({"id,text\n1,caf\xC3\xA9\n2,plain\n", "3,bad \xC3\x28 byte\n4,fine\n",
                    "5,\"quoted \"\"caf\xC3\xA9\"\"\"\n"});
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].rows().size() == 2);
  CHECK(batches[0].rows().known_valid_utf8());
  CHECK(batches[1].rows().size() == 2);
  CHECK_FALSE(batches[1].rows().known_valid_utf8());
  CHECK(batches[1].rows().field(1, 1) == "fine");
  CHECK(batches[2].rows().field(0, 1) == "quoted \"caf\xC3\xA9\"");
  CHECK(batches[2].rows().known_valid_utf8());
}
