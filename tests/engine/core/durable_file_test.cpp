#include "sluice/durable_file.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using testing::read_file;
using testing::TempDir;
using testing::write_file;

// Pieces of every size the writer may treat differently: small ones it buffers, many small ones
// that fill its buffer, and large ones that may bypass it, right behind buffered bytes or not.
std::vector<std::string> mixed_pieces() {
  std::vector<std::string> pieces;
  pieces.push_back("header\n");
  pieces.push_back(std::string(2 << 20, 'a'));  // large, behind a buffered piece
  pieces.push_back(std::string(2 << 20, 'b'));  // large, with nothing buffered
  for (int i = 0; i < 5000; ++i) pieces.push_back("row " + std::to_string(i) + "\n");
  pieces.push_back(std::string(1 << 20, 'c'));  // about the buffer's size
  pieces.push_back(std::string((1 << 20) - 1, 'd'));
  pieces.push_back(std::string(64 << 10, 'e'));
  for (int i = 0; i < 300; ++i) pieces.push_back(std::string(1000, static_cast<char>('e' + i % 20)));
  pieces.push_back(std::string(9 << 20, 'z'));  // spans a writeback interval
  pieces.push_back("tail");
  return pieces;
}

// The temp file for `path`; stops the test case when it cannot be created.
DurableFile create_or_stop(const std::string& path) {
  auto created = DurableFile::create(path);
  REQUIRE(created.ok());
  return std::move(created).value();
}

TEST_CASE("durable file: pieces of every size reach the file whole and in order") {
  TempDir dir;
  const std::string target = dir.file("out.csv");
  DurableFile file = create_or_stop(target);
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

TEST_CASE("durable file: without commit the old file stays as it was and the temp file goes") {
  TempDir dir;
  const std::string target = dir.file("out.csv");
  write_file(target, "old contents\n");
  {
    DurableFile file = create_or_stop(target);
    for (const std::string& piece : mixed_pieces()) file.write(piece);
  }  // destroyed without commit, as when a run fails
  CHECK(dir.entries() == std::vector<std::string>{"out.csv"});
  CHECK(read_file(target) == "old contents\n");
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
