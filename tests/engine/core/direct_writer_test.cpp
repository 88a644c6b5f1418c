#include "core/direct_writer.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "sluice/status.hpp"
#include "support/file_size_limit.hpp"
#include "support/patterned_bytes.hpp"
#include "support/temp_dir.hpp"

namespace sluice::detail {
namespace {

using testing::FileSizeLimit;
using testing::patterned_bytes;
using testing::read_file;
using testing::TempDir;

constexpr std::size_t kBlock = DirectWriter::kBlockBytes;

// An empty file opened for writing; closed at scope exit.
class OpenFile {
 public:
  explicit OpenFile(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {
    REQUIRE(fd_ >= 0);
  }
  ~OpenFile() { ::close(fd_); }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  int fd() const { return fd_; }
  bool direct() const { return (::fcntl(fd_, F_GETFL) & O_DIRECT) != 0; }

 private:
  int fd_;
};

// Writes `size` patterned bytes with one append and finish(); the file must still be in O_DIRECT
// mode (no write fell back to the page cache) and hold exactly those bytes.
void check_written_directly(std::size_t size) {
  TempDir dir;
  const std::string path = dir.file("out.bin");
  OpenFile file(path);
  const std::string bytes = patterned_bytes(size);
  auto writer = DirectWriter::start(file.fd(), path);
  REQUIRE(writer != nullptr);
  writer->append(bytes);
  writer->finish();
  CHECK(file.direct());
  CHECK(read_file(path) == bytes);
}

TEST_CASE("direct writer: every block and the tail go out with O_DIRECT, all in order") {
  TempDir dir;
  const std::string path = dir.file("out.bin");
  OpenFile file(path);
  // More blocks than the ring holds, and a tail.
  const std::string bytes = patterned_bytes(DirectWriter::kBlocks * kBlock * 3 / 2 + 12345);
  auto writer = DirectWriter::start(file.fd(), path);
  REQUIRE_MESSAGE(writer != nullptr, "the temp directory's filesystem refuses O_DIRECT");
  CHECK(file.direct());
  for (std::size_t at = 0; at < bytes.size(); at += 700001) {
    writer->append(std::string_view(bytes).substr(at, 700001));
  }
  writer->finish();
  CHECK(file.direct());  // the tail went out padded, then the file was cut to its length
  CHECK(read_file(path) == bytes);
}

TEST_CASE("direct writer: tails of every alignment end the file at its exact length") {
  // Around the 4096-byte alignment a direct write needs, after a whole block or alone.
  for (const std::size_t tail :
       {std::size_t{1}, std::size_t{4095}, std::size_t{4096}, std::size_t{4097}, kBlock - 1}) {
    for (const std::size_t blocks : {std::size_t{0}, std::size_t{1}}) {
      CAPTURE(tail);
      CAPTURE(blocks);
      check_written_directly(blocks * kBlock + tail);
    }
  }
}

TEST_CASE(
    "direct writer: a tail that fits a size limit only without its padding is still written") {
  TempDir dir;
  const std::string path = dir.file("out.bin");
  OpenFile file(path);
  // The data ends 50 bytes under the limit; padded to the alignment it would cross it.
  const std::string bytes = patterned_bytes(kBlock + 50);
  {
    const FileSizeLimit limit(kBlock + 100);
    auto writer = DirectWriter::start(file.fd(), path);
    REQUIRE(writer != nullptr);
    writer->append(bytes);
    CHECK_NOTHROW(writer->finish());
  }
  CHECK(read_file(path) == bytes);
}

// Polls, for up to 10 s, until the writer thread has faulted in the whole ring (it does so while
// it has no block to write).
bool whole_ring_populated_within_seconds(DirectWriter& writer) {
  for (int polls = 0; polls < 10000 && writer.populated_bytes() < DirectWriter::kRingBytes;
       ++polls) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return writer.populated_bytes() == DirectWriter::kRingBytes;
}

TEST_CASE("direct writer: the ring is faulted in ahead only once the output is not small") {
  TempDir dir;
  const std::string path = dir.file("out.bin");
  SUBCASE("a small output leaves the rest of the ring untouched") {
    OpenFile file(path);
    const std::string bytes = patterned_bytes(DirectWriter::kPopulateAfterBytes - 1);
    auto writer = DirectWriter::start(file.fd(), path);
    REQUIRE(writer != nullptr);
    writer->append(bytes);
    writer->finish();
    CHECK(writer->populated_bytes() == 0);
    CHECK(read_file(path) == bytes);
  }
  SUBCASE("a larger one gets the whole ring while the appender goes on") {
    OpenFile file(path);
    const std::string bytes = patterned_bytes(DirectWriter::kRingBytes * 2 + 777);
    const std::string_view all(bytes);
    auto writer = DirectWriter::start(file.fd(), path);
    REQUIRE(writer != nullptr);
    writer->append(all.substr(0, DirectWriter::kPopulateAfterBytes));
    // The thread has nothing to write yet: it spends that time on the ring.
    CHECK(whole_ring_populated_within_seconds(*writer));
    writer->append(all.substr(DirectWriter::kPopulateAfterBytes));
    writer->finish();
    CHECK(file.direct());
    CHECK(read_file(path) == bytes);
  }
  SUBCASE("one append that fills whole blocks at once counts too") {
    OpenFile file(path);
    const std::string bytes = patterned_bytes(2 * kBlock + 5);
    auto writer = DirectWriter::start(file.fd(), path);
    REQUIRE(writer != nullptr);
    writer->append(bytes);
    // Both blocks written, the thread is idle again: it spends that time on the ring.
    CHECK(whole_ring_populated_within_seconds(*writer));
    writer->finish();
    CHECK(read_file(path) == bytes);
  }
}

TEST_CASE("direct writer: a file of whole blocks has no tail to write") {
  check_written_directly(2 * kBlock);
}

TEST_CASE("direct writer: a filesystem without O_DIRECT gets no writer and keeps its flags") {
  // procfs files have no direct I/O; /proc/self/comm is one this process may write.
  const int fd = ::open("/proc/self/comm", O_WRONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  const int flags = ::fcntl(fd, F_GETFL);
  CHECK(DirectWriter::start(fd, "/proc/self/comm") == nullptr);
  CHECK(::fcntl(fd, F_GETFL) == flags);
  ::close(fd);
}

TEST_CASE(
    "direct writer: a block the disk refuses fails a later append or finish, naming the file") {
  TempDir dir;
  const std::string path = dir.file("out.bin");
  OpenFile file(path);
  std::string failure;
  {
    const FileSizeLimit limit(3 * kBlock / 2);
    auto writer = DirectWriter::start(file.fd(), path);
    REQUIRE(writer != nullptr);
    try {
      // Far more than the ring holds: the appender must be woken by the failure, not wait forever.
      for (int i = 0; i < 64; ++i) writer->append(patterned_bytes(kBlock / 2));
      writer->finish();
    } catch (const Error& error) {
      failure = error.status().message();
    }
  }
  CHECK(failure == "cannot write " + path + ": File too large");
}

TEST_CASE("direct writer: a writer dropped with blocks queued stops its thread") {
  TempDir dir;
  const std::string path = dir.file("out.bin");
  OpenFile file(path);
  {
    auto writer = DirectWriter::start(file.fd(), path);
    REQUIRE(writer != nullptr);
    writer->append(patterned_bytes(DirectWriter::kBlocks * kBlock));
  }  // a hang here fails the test by its timeout
  CHECK(::lseek(file.fd(), 0, SEEK_END) <= static_cast<off_t>(DirectWriter::kBlocks * kBlock));
}

}  // namespace
}  // namespace sluice::detail
