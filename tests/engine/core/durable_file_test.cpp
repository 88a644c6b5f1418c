#include "sluice/durable_file.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/direct_writer.hpp"
#include "support/file_size_limit.hpp"
#include "support/patterned_bytes.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using testing::FileSizeLimit;
using testing::patterned_bytes;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

constexpr std::size_t kMiB = std::size_t{1} << 20;
constexpr std::size_t kBlock = detail::DirectWriter::kBlockBytes;
constexpr std::size_t kRing = detail::DirectWriter::kRingBytes;

// Pieces of every size the writer may treat differently: small ones it buffers, many small ones
// that fill its buffer or block, and large ones that may bypass the buffer or span several blocks,
// right behind buffered bytes or not.
std::vector<std::string> mixed_pieces() {
  std::vector<std::string> pieces;
  pieces.push_back("header\n");
  pieces.push_back(std::string(2 * kMiB, 'a'));  // large, behind a buffered piece
  pieces.push_back(std::string(2 * kMiB, 'b'));  // large, with nothing buffered
  for (int i = 0; i < 5000; ++i) pieces.push_back("row " + std::to_string(i) + "\n");
  pieces.push_back(std::string(kMiB, 'c'));  // about the buffer's size
  pieces.push_back(std::string(kMiB - 1, 'd'));
  pieces.push_back(std::string(64 << 10, 'e'));
  for (int i = 0; i < 300; ++i)
    pieces.push_back(std::string(1000, static_cast<char>('e' + i % 20)));
  pieces.push_back(std::string(kRing + kMiB, 'z'));  // spans a writeback interval and the ring
  pieces.push_back("tail");
  return pieces;
}

constexpr PageCache kBothModes[] = {PageCache::bypass, PageCache::use};

const char* name_of(PageCache page_cache) {
  return page_cache == PageCache::bypass ? "bypass (O_DIRECT)" : "use (write(2))";
}

// The temp file for `path`; stops the test case when it cannot be created.
DurableFile create_or_stop(const std::string& path, PageCache page_cache = PageCache::bypass) {
  auto created = DurableFile::create(path, page_cache);
  REQUIRE(created.ok());
  return std::move(created).value();
}

// How many of the file's pages are in the page cache.
std::size_t cached_pages(const std::string& path, std::size_t size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  REQUIRE(mapped != MAP_FAILED);
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((size + page - 1) / page);
  REQUIRE(::mincore(mapped, size, resident.data()) == 0);
  ::munmap(mapped, size);
  std::size_t cached = 0;
  for (const unsigned char flags : resident) cached += flags & 1;
  return cached;
}

TEST_CASE("durable file: pieces of every size reach the file whole and in order") {
  for (const PageCache page_cache : kBothModes) {
    CAPTURE(name_of(page_cache));
    TempDir dir;
    const std::string target = dir.file("out.csv");
    DurableFile file = create_or_stop(target, page_cache);
    std::string expected;
    for (const std::string& piece : mixed_pieces()) {
      file.write(piece);
      expected += piece;
    }
    CHECK(file.size() == expected.size());
    // Until commit only the temp file exists, beside the target.
    const auto before = dir.entries();
    REQUIRE(before.size() == 1);
    CHECK(before[0].rfind("out.csv.sluice-tmp-", 0) == 0);
    REQUIRE(file.commit().ok());
    CHECK_FALSE(file.is_open());
    CHECK(dir.entries() == std::vector<std::string>{"out.csv"});
    CHECK(read_file(target) == expected);
  }
}

TEST_CASE("durable file: sizes at the edges of the O_DIRECT blocks arrive whole") {
  // Empty, under a block, exactly one block, a full ring of blocks with and without a tail, and a
  // ring and a half: each ends differently (no block, only a tail, no tail, a wrapped ring).
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, kBlock - 1, kBlock, kBlock + 1,
                                 kRing, kRing + 4095, kRing + kRing / 2 + 512}) {
    CAPTURE(size);
    TempDir dir;
    const std::string target = dir.file("out.bin");
    const std::string expected = patterned_bytes(size);
    DurableFile file = create_or_stop(target);
    // Odd piece sizes, so that pieces straddle block boundaries.
    for (std::size_t at = 0; at < size; at += 300007) {
      file.write(std::string_view(expected).substr(at, 300007));
    }
    REQUIRE(file.commit().ok());
    CHECK(read_file(target) == expected);
  }
}

TEST_CASE("durable file: by default the bytes bypass the page cache, on request they stay in it") {
  TempDir dir;
  // A block and a tail of 3/4 of one: were the tail cached, over 40% of the pages would be.
  const std::string bytes(kBlock + kBlock * 3 / 4, 'x');
  const std::size_t pages = bytes.size() / static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));

  DurableFile direct = create_or_stop(dir.file("direct.bin"));
  // The machines this project runs on keep temp files on ext4, which takes O_DIRECT. Elsewhere
  // (an old tmpfs, some network mounts) DurableFile falls back to the page cache and this fails.
  REQUIRE_MESSAGE(direct.bypasses_page_cache(), "the temp directory's filesystem refuses O_DIRECT");
  direct.write(bytes);
  REQUIRE(direct.commit().ok());
  CHECK_FALSE(direct.bypasses_page_cache());
  CHECK(cached_pages(dir.file("direct.bin"), bytes.size()) < pages / 4);

  DurableFile cached = create_or_stop(dir.file("cached.bin"), PageCache::use);
  CHECK_FALSE(cached.bypasses_page_cache());
  cached.write(bytes);
  REQUIRE(cached.commit().ok());
  CHECK(cached_pages(dir.file("cached.bin"), bytes.size()) > pages * 3 / 4);
}

TEST_CASE("durable file: a refused write names the file, and nothing is left behind") {
  for (const PageCache page_cache : kBothModes) {
    CAPTURE(name_of(page_cache));
    TempDir dir;
    const std::string target = dir.file("out.csv");
    write_file(target, "old contents\n");
    std::string failure;
    {
      const FileSizeLimit limit(3 * kMiB / 2);
      DurableFile file = create_or_stop(target, page_cache);
      try {
        // O_DIRECT blocks fail on the writer thread: the error comes with a later write or commit.
        for (const std::string& piece : mixed_pieces()) file.write(piece);
        const Status status = file.commit();
        if (!status.ok()) failure = status.message();
      } catch (const Error& error) {
        failure = error.status().message();
      }
    }
    CHECK(failure == "cannot write " + target + ": File too large");
    CHECK(dir.entries() == std::vector<std::string>{"out.csv"});
    CHECK(read_file(target) == "old contents\n");
  }
}

TEST_CASE("durable file: without commit the old file stays as it was and the temp file goes") {
  for (const PageCache page_cache : kBothModes) {
    CAPTURE(name_of(page_cache));
    TempDir dir;
    const std::string target = dir.file("out.csv");
    write_file(target, "old contents\n");
    {
      DurableFile file = create_or_stop(target, page_cache);
      for (const std::string& piece : mixed_pieces()) file.write(piece);
    }  // destroyed without commit, as when a run fails; O_DIRECT blocks may still be in flight
    CHECK(dir.entries() == std::vector<std::string>{"out.csv"});
    CHECK(read_file(target) == "old contents\n");
  }
}

TEST_CASE("durable file: a moved file keeps writing to the same temp file") {
  TempDir dir;
  const std::string target = dir.file("out.csv");
  DurableFile first = create_or_stop(target);
  first.write(std::string(3 * kMiB, 'a'));
  DurableFile second = std::move(first);
  second.write("end");
  REQUIRE(second.commit().ok());
  CHECK(read_file(target) == std::string(3 * kMiB, 'a') + "end");
  CHECK(dir.entries() == std::vector<std::string>{"out.csv"});
}

TEST_CASE("durable file: commit replaces an existing file") {
  TempDir dir;
  const std::string target = dir.file("out.csv");
  write_file(target, "old contents that are longer than the new ones\n");
  DurableFile file = create_or_stop(target);
  file.write("new\n");
  REQUIRE(file.commit().ok());
  CHECK(read_file(target) == "new\n");
}

TEST_CASE("durable file: a missing directory is an error that names the path") {
  TempDir dir;
  const std::string target = dir.file("missing/out.csv");
  auto created = DurableFile::create(target);
  REQUIRE_FALSE(created.ok());
  CHECK(created.status().message().find(target) != std::string::npos);
  CHECK(created.status().message().find("directory") != std::string::npos);
}

TEST_CASE("durable file: writing after commit is refused") {
  TempDir dir;
  DurableFile file = create_or_stop(dir.file("out.csv"));
  REQUIRE(file.commit().ok());
  CHECK_THROWS_AS(file.write("late"), Error);
  CHECK_THROWS_AS(file.write(std::string(1 << 20, 'x')), Error);
}

}  // namespace
}  // namespace sluice
