#include <doctest/doctest.h>

#include "support/file_size_limit.hpp"
#include "support/temp_dir.hpp"
#include "support/test_nodes.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {

const char* kCopy = R"(
id: copy
nodes:
  - { id: read, type: file_read, options: { path: "${input}", chunk_size: 1KiB } }
  - { id: write, type: file_write, input: read,
      options: { path: "${output}", page_cache: "${page_cache:-false}" } }
)";
}

TEST_CASE("file_write writes every byte in order and leaves no temp file") {
  TempDir dir;
  std::string content;
  for (int i = 0; i < 400000; ++i) content += std::to_string(i) + ",";  // 2.7 MB: blocks and a tail
  write_file(dir.file("in"), content);
  for (const int threads : {1, 4}) {
    for (const char* page_cache : {"false", "true"}) {
      CAPTURE(threads);
      CAPTURE(page_cache);
      RunOptions options;
      options.threads = threads;
      const std::map<std::string, std::string> variables = {
          {"input", dir.file("in")}, {"output", dir.file("out")}, {"page_cache", page_cache}};
      const RunReport report = run_yaml(kCopy, variables, options);
      REQUIRE_MESSAGE(report.status.ok(), report.status.message());
      CHECK(read_file(dir.file("out")) == content);
      CHECK(dir.entries() == std::vector<std::string>{"in", "out"});
    }
  }
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

TEST_CASE("file_write reports a failed write with the path and keeps the old file") {
  TempDir dir;
  std::string content;
  while (content.size() < (1 << 20)) content += "0123456789abcdef,";
  write_file(dir.file("in"), content);
  write_file(dir.file("out"), "old content");
  for (const int threads : {1, 4}) {
    for (const char* page_cache : {"false", "true"}) {
      CAPTURE(threads);
      CAPTURE(page_cache);
      RunOptions options;
      options.threads = threads;
      RunReport report;
      {
        const FileSizeLimit limit(256 << 10);
        const std::map<std::string, std::string> variables = {
            {"input", dir.file("in")}, {"output", dir.file("out")}, {"page_cache", page_cache}};
        report = run_yaml(kCopy, variables, options);
      }
      REQUIRE_FALSE(report.status.ok());
      CHECK(report.status.code() == StatusCode::io_error);
      CHECK(report.status.message().find("node 'write' (file_write)") != std::string::npos);
      CHECK(report.status.message().find("cannot write " + dir.file("out") + ": File too large") !=
            std::string::npos);
      CHECK(read_file(dir.file("out")) == "old content");
      CHECK(dir.entries() == std::vector<std::string>{"in", "out"});  // no temp file left
    }
  }
}

TEST_CASE("file_write writes an empty input as an empty file") {
  TempDir dir;
  write_file(dir.file("in"), "");
  write_file(dir.file("out"), "old content");
  const RunReport report =
      run_yaml(kCopy, {{"input", dir.file("in")}, {"output", dir.file("out")}});
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(read_file(dir.file("out")).empty());
}
