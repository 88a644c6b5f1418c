#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

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

/// Writes `text` to an open file descriptor, all of it.
void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    REQUIRE(n > 0);
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}
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

TEST_CASE("file_read reports a failed read with the file name and the byte offset") {
  // Reading /proc/self/mem at offset 0 (an unmapped address) fails with EIO: a real read error
  // from the reader thread, which the source step must report as the run's failure.
  observations().clear();
  const RunReport report = run_yaml(kCopy, {{"input", "/proc/self/mem"}, {"chunk", "4096"}});
  REQUIRE_FALSE(report.status.ok());
  CHECK(report.status.code() == StatusCode::io_error);
  CHECK(report.status.message().find("node 'read' (file_read) failed") != std::string::npos);
  CHECK(report.status.message().find("cannot read /proc/self/mem at byte 0: Input/output error") !=
        std::string::npos);
}

TEST_CASE("file_read streams a named pipe as its writer delivers it") {
  TempDir dir;
  const std::string fifo = dir.file("pipe");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string content;
  for (int i = 0; i < 3000; ++i) content += "row " + std::to_string(i) + "\n";
  std::thread writer([&] {
    const int fd = ::open(fifo.c_str(), O_WRONLY);  // waits for the run to open the pipe
    REQUIRE(fd >= 0);
    for (std::size_t at = 0; at < content.size(); at += 777) {
      write_all(fd, std::string_view(content).substr(at, 777));
    }
    ::close(fd);
  });
  observations().clear();
  const RunReport report = run_yaml(kCopy, {{"input", fifo}, {"chunk", "1KiB"}});
  writer.join();
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(observations().bytes["copy"] == content);
}

TEST_CASE("a failure downstream stops file_read waiting on a quiet pipe") {
  TempDir dir;
  const std::string fifo = dir.file("pipe");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  int writer_fd = -1;
  std::thread opener([&] { writer_fd = ::open(fifo.c_str(), O_WRONLY); });
  const char* yaml = R"(
id: quiet
nodes:
  - { id: read, type: file_read, options: { path: "${input}" } }
  - { id: parse, type: csv_parse, input: read }
  - { id: sink, type: test_collect_rows, input: parse, options: { key: quiet } }
)";
  RunReport report;
  std::thread run([&] { report = run_yaml(yaml, {{"input", fifo}}); });
  opener.join();
  REQUIRE(writer_fd >= 0);
  // A bad row fails the run while the writer stays open and says nothing more: the reader must
  // notice and stop rather than wait for the writer (the test would hang).
  write_all(writer_fd, "id,text\n1,a\n2,b,c\n");
  run.join();
  ::close(writer_fd);
  REQUIRE_FALSE(report.status.ok());
  CHECK(report.status.message().find("row 3: expected 2 fields, found 3") != std::string::npos);
}
