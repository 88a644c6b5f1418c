// The task trace (`sluice run --trace FILE`): a Chrome trace-format timeline of every task.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <map>
#include <set>
#include <string>

#include "sluice/pipeline.hpp"
#include "support/temp_dir.hpp"
#include "support/test_nodes.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {

const char* kCsvCopy = R"(
id: traced
nodes:
  - { id: read, type: file_read, options: { path: "${dir}/in.csv", chunk_size: 4KiB } }
  - { id: parse, type: csv_parse, input: read }
  - { id: serialize, type: csv_serialize, input: parse }
  - { id: write, type: file_write, input: serialize, options: { path: "${dir}/out.csv" } }
)";

std::string numbered_csv(int rows) {
  std::string text = "id,text\n";
  for (int i = 0; i < rows; ++i) text += std::to_string(i) + ",row number " + std::to_string(i) + "\n";
  return text;
}

struct TaskEvent {
  std::string name;
  std::int64_t worker = 0;
  double start_us = 0;
  double duration_us = 0;
  double cpu_us = 0;
  std::uint64_t batch = 0;
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
};

struct ParsedTrace {
  std::vector<TaskEvent> tasks;
  std::set<std::int64_t> named_workers;
  std::string process_name;
};

ParsedTrace parse_trace(const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const std::string not_json = "not JSON: " + path;
  REQUIRE_MESSAGE(parser.load(path).get(root) == simdjson::SUCCESS, not_json);
  ParsedTrace trace;
  for (simdjson::dom::element event : root["traceEvents"].get_array()) {
    const std::string_view phase = event["ph"].get_string();
    CHECK(event["pid"].get_int64().value() == 1);
    if (phase == "M") {
      const std::string_view kind = event["name"].get_string();
      const std::string_view name = event["args"]["name"].get_string();
      if (kind == "thread_name") trace.named_workers.insert(event["tid"].get_int64());
      if (kind == "process_name") trace.process_name = std::string(name);
      continue;
    }
    REQUIRE(phase == "X");
    TaskEvent task;
    task.name = std::string(std::string_view(event["name"].get_string()));
    task.worker = event["tid"].get_int64();
    task.start_us = event["ts"].get_double();
    task.duration_us = event["dur"].get_double();
    task.cpu_us = event["args"]["cpu_us"].get_double();
    task.batch = event["args"]["batch"].get_uint64();
    task.rows = event["args"]["rows"].get_uint64();
    task.bytes = event["args"]["bytes"].get_uint64();
    trace.tasks.push_back(task);
  }
  return trace;
}

}  // namespace

TEST_CASE("a traced run records every task of every step, per worker") {
  TempDir dir;
  const std::string input = numbered_csv(5000);
  write_file(dir.file("in.csv"), input);
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    RunOptions options;
    options.threads = threads;
    options.trace_path = dir.file("trace.json");
    const RunReport report = run_yaml(kCsvCopy, {{"dir", dir.path().string()}}, options);
    REQUIRE_MESSAGE(report.status.ok(), report.status.message());
    REQUIRE(read_file(dir.file("out.csv")) == input);

    const ParsedTrace trace = parse_trace(dir.file("trace.json"));
    CHECK(trace.process_name == "sluice run traced");
    CHECK(trace.named_workers.size() == static_cast<std::size_t>(threads));

    std::map<std::string, std::uint64_t> tasks, rows, bytes;
    for (const TaskEvent& task : trace.tasks) {
      CHECK(task.worker >= 0);
      CHECK(task.worker < threads);
      CHECK(task.start_us >= 0);
      CHECK(task.duration_us >= 0);
      CHECK(task.cpu_us >= 0);
      tasks[task.name] += 1;
      rows[task.name] += task.rows;
      bytes[task.name] += task.bytes;
    }
    // csv_parse has two steps and a finish, so its tasks are named by step; the others by id.
    CHECK(tasks.size() == 6);
    const NodeReport& read = report.nodes[0];
    const NodeReport& parse = report.nodes[1];
    const NodeReport& serialize = report.nodes[2];
    const NodeReport& write = report.nodes[3];
    // The source's last call finds the end of the file: one task more than batches.
    CHECK(tasks["read"] == read.batches_out + 1);
    CHECK(bytes["read"] == input.size());
    CHECK(tasks["parse (serial)"] == read.batches_out);
    CHECK(bytes["parse (serial)"] == input.size());
    CHECK(tasks["parse (finish)"] == 1);
    CHECK(tasks["parse (map)"] == parse.batches_out);
    CHECK(tasks["serialize"] == serialize.batches_in);
    CHECK(rows["serialize"] == 5000);
    CHECK(tasks["write"] == write.batches_in);
    CHECK(bytes["write"] == input.size());
  }
}

TEST_CASE("a trace that cannot be created stops the run before anything is written") {
  TempDir dir;
  write_file(dir.file("in.csv"), numbered_csv(10));
  RunOptions options;
  options.trace_path = dir.file("missing/trace.json");
  const RunReport report = run_yaml(kCsvCopy, {{"dir", dir.path().string()}}, options);
  REQUIRE_FALSE(report.status.ok());
  CHECK(report.status.code() == StatusCode::io_error);
  CHECK(report.status.message().find("--trace") != std::string::npos);
  CHECK(report.status.message().find(dir.file("missing/trace.json")) != std::string::npos);
  CHECK(dir.entries() == std::vector<std::string>{"in.csv"});
}

TEST_CASE("a failed run still leaves its trace, and no output") {
  TempDir dir;
  write_file(dir.file("in.csv"), "id,text\n1,a\n2,b,extra\n");
  RunOptions options;
  options.trace_path = dir.file("trace.json");
  const RunReport report = run_yaml(kCsvCopy, {{"dir", dir.path().string()}}, options);
  REQUIRE_FALSE(report.status.ok());
  CHECK(dir.entries() == std::vector<std::string>{"in.csv", "trace.json"});
  const ParsedTrace trace = parse_trace(dir.file("trace.json"));
  bool parsed = false;
  for (const TaskEvent& task : trace.tasks) parsed = parsed || task.name == "parse (map)";
  CHECK(parsed);
}

TEST_CASE("an untraced run writes no trace") {
  TempDir dir;
  write_file(dir.file("in.csv"), numbered_csv(10));
  const RunReport report = run_yaml(kCsvCopy, {{"dir", dir.path().string()}}, RunOptions{});
  REQUIRE(report.status.ok());
  CHECK(dir.entries() == std::vector<std::string>{"in.csv", "out.csv"});
}
