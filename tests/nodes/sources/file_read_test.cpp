#include <doctest/doctest.h>

#include "support/temp_dir.hpp"
#include "support/test_nodes.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {
const char* kCopy = R"(
id: copy
nodes:
  - { id: read, type: file_read, options: { path: "${input}", chunk_size: "${chunk}" } }
  - { id: sink, type: test_collect_bytes, input: read, options: { key: copy } }
)";
}

TEST_CASE("file_read streams the whole file in chunks of chunk_size, in order") {
  TempDir dir;
  std::string content;
  for (int i = 0; i < 20000; ++i) content += "line " + std::to_string(i) + "\n";
  write_file(dir.file("in.txt"), content);
  for (const char* chunk : {"1KiB", "4096", "1MiB"}) {
    CAPTURE(chunk);
    observations().clear();
    const RunReport report = run_yaml(kCopy, {{"input", dir.file("in.txt")}, {"chunk", chunk}});
    REQUIRE_MESSAGE(report.status.ok(), report.status.message());
    CHECK(observations().bytes["copy"] == content);
    CHECK(report.nodes[0].bytes_out == content.size());
  }
  observations().clear();
  const RunReport small = run_yaml(kCopy, {{"input", dir.file("in.txt")}, {"chunk", "1KiB"}});
  CHECK(small.nodes[0].batches_out == (content.size() + 1023) / 1024);
}

TEST_CASE("file_read of an empty file produces nothing") {
  TempDir dir;
  write_file(dir.file("empty.txt"), "");
  observations().clear();
  const RunReport report = run_yaml(kCopy, {{"input", dir.file("empty.txt")}, {"chunk", "1KiB"}});
  REQUIRE(report.status.ok());
  CHECK(report.nodes[0].batches_out == 0);
}

TEST_CASE("file_read names a missing file before anything runs") {
  const RunReport report = run_yaml(kCopy, {{"input", "/nonexistent/in.csv"}, {"chunk", "1KiB"}});
  REQUIRE_FALSE(report.status.ok());
  CHECK(report.status.code() == StatusCode::not_found);
  CHECK(report.status.message().find("node 'read' (file_read) could not start: cannot open "
                                     "/nonexistent/in.csv") != std::string::npos);
}

TEST_CASE("file_read rejects an unreasonable chunk size at validation") {
  const RunReport report = run_yaml(kCopy, {{"input", "x"}, {"chunk", "10"}});
  REQUIRE_FALSE(report.status.ok());
  CHECK(report.status.message().find("test.yaml:4:") != std::string::npos);
  CHECK(report.status.message().find("chunk_size") != std::string::npos);
}
