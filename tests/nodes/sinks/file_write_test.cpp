#include <doctest/doctest.h>

#include "support/temp_dir.hpp"
#include "support/test_nodes.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {
const char* kCopy = R"(
id: copy
nodes:
  - { id: read, type: file_read, options: { path: "${input}", chunk_size: 1KiB } }
  - { id: write, type: file_write, input: read, options: { path: "${output}" } }
)";
}

TEST_CASE("file_write writes every byte in order and leaves no temp file") {
  TempDir dir;
  std::string content;
  for (int i = 0; i < 50000; ++i) content += std::to_string(i) + ",";
  write_file(dir.file("in"), content);
  RunOptions options;
  options.threads = 4;
  const RunReport report =
      run_yaml(kCopy, {{"input", dir.file("in")}, {"output", dir.file("out")}}, options);
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(read_file(dir.file("out")) == content);
  CHECK(dir.entries() == std::vector<std::string>{"in", "out"});
}

TEST_CASE("file_write replaces an existing file only on success") {
  TempDir dir;
  write_file(dir.file("in"), "new content");
  write_file(dir.file("out"), "old content");
  const RunReport report = run_yaml(kCopy, {{"input", dir.file("in")}, {"output", dir.file("out")}});
  REQUIRE(report.status.ok());
  CHECK(read_file(dir.file("out")) == "new content");
}

TEST_CASE("file_write into a missing directory fails before reading anything") {
  TempDir dir;
  write_file(dir.file("in"), "x");
  const RunReport report =
      run_yaml(kCopy, {{"input", dir.file("in")}, {"output", dir.file("no/such/dir/out")}});
  REQUIRE_FALSE(report.status.ok());
  CHECK(report.status.message().find("node 'write' (file_write) could not start") != std::string::npos);
  CHECK(report.status.message().find("check that the directory exists") != std::string::npos);
  CHECK(report.nodes[0].bytes_out == 0);
}
