#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/status.hpp"
#include "support/csv_framer.hpp"

namespace sluice::csv {
namespace {

// Everything the framer said about a stream, reduced to per-record facts so that results from
// different chunkings can be compared directly.
struct Framed {
  std::vector<std::string> records;  // bytes of each record, terminator included
  std::vector<std::uint64_t> rows;   // per block: first_row
  std::string joined;                // all block bytes, in order
  std::uint64_t record_count = 0;
  bool unterminated_quote = false;
  bool operator==(const Framed&) const = default;
};

// Straightforward byte-at-a-time statement of the record rules, used as the oracle.
std::vector<std::string> reference_records(std::string_view text, Dialect d, bool* unterminated) {
  enum class S { field_start, unquoted, quoted, quote_in_quoted } s = S::field_start;
  std::vector<std::string> out;
  std::string current;
  for (const char c : text) {
    current.push_back(c);
    switch (s) {
      case S::field_start:
      case S::unquoted:
      case S::quote_in_quoted:
        if (s == S::field_start && c == d.quote) {
          s = S::quoted;
        } else if (s == S::quote_in_quoted && c == d.quote) {
          s = S::quoted;
        } else if (c == '\n') {
          out.push_back(std::move(current));
          current.clear();
          s = S::field_start;
        } else if (c == d.delimiter) {
          s = S::field_start;
        } else {
          s = S::unquoted;
        }
        break;
      case S::quoted:
        if (c == d.quote) s = S::quote_in_quoted;
        break;
    }
  }
  if (unterminated != nullptr) *unterminated = s == S::quoted;
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

// Splits `block` into records using the oracle (a block always starts at a record start).
void collect(const RecordBlock& block, Framed& f, Dialect d, std::uint64_t& expected_offset,
             std::uint64_t& expected_line, std::uint64_t& expected_row) {
  CHECK(block.first_row == expected_row);
  if (block.record_count == 0) {
    CHECK(block.bytes.empty());
    return;
  }
  CHECK(block.byte_offset == expected_offset);
  CHECK(block.first_line == expected_line);
  const auto records = reference_records(block.bytes, d, nullptr);
  CHECK(records.size() == block.record_count);
  for (const auto& r : records) f.records.push_back(r);
  f.rows.push_back(block.first_row);
  f.joined.append(block.bytes);
  f.record_count += block.record_count;
  f.unterminated_quote = f.unterminated_quote || block.unterminated_quote;
  expected_row += block.record_count;
  expected_offset += block.bytes.size();
  for (const char c : block.bytes) expected_line += c == '\n' ? 1 : 0;
}

Framed frame(std::string_view input, std::size_t chunk_size, Dialect d = {}) {
  CsvFramer framer(d);
  Framed f;
  const bool bom = input.starts_with("\xEF\xBB\xBF");
  std::uint64_t offset = bom ? 3 : 0;
  std::uint64_t line = 1;
  std::uint64_t row = 1;
  for (std::size_t at = 0; at < input.size(); at += chunk_size) {
    auto chunk = std::make_shared<const std::string>(input.substr(at, chunk_size));
    const RecordBlocks blocks = framer.feed(chunk);
    CHECK(blocks.size() <= 2);
    for (const RecordBlock& block : blocks) {
      CHECK(block.record_count > 0);
      collect(block, f, d, offset, line, row);
    }
  }
  collect(framer.finish(), f, d, offset, line, row);
  // Per-block first rows depend on the chunking; keep only what must not.
  f.rows.clear();
  return f;
}

std::vector<std::string> records_of(std::string_view input, std::size_t chunk_size) {
  return frame(input, chunk_size).records;
}

TEST_CASE("framer: empty input has no records") {
  CsvFramer framer;
  const RecordBlock end = framer.finish();
  CHECK(end.record_count == 0);
  CHECK(end.bytes.empty());
  CHECK_FALSE(end.unterminated_quote);
  CHECK(framer.records_framed() == 0);
}

TEST_CASE("framer: LF records in one chunk are a zero-copy view of the chunk") {
  auto chunk = std::make_shared<const std::string>("id,name\n1,ann\n2,bob\n");
  CsvFramer framer;
  const RecordBlocks blocks = framer.feed(chunk);
  REQUIRE(blocks.size() == 1);
  const RecordBlock& block = blocks[0];
  CHECK(block.record_count == 3);
  CHECK(block.first_row == 1);
  CHECK(block.first_line == 1);
  CHECK(block.byte_offset == 0);
  CHECK(block.bytes == *chunk);
  CHECK(block.bytes.data() == chunk->data());
  CHECK(block.owner.get() == static_cast<const void*>(chunk.get()));
  CHECK(framer.finish().record_count == 0);
}

TEST_CASE("framer: feeding an owner and a view into part of its buffer") {
  auto buffer = std::make_shared<const std::string>("####a,b\nc,d\nrest####");
  const std::string_view view = std::string_view(*buffer).substr(4, 12);
  CsvFramer framer;
  const RecordBlocks blocks = framer.feed(buffer, view);
  REQUIRE(blocks.size() == 1);
  const RecordBlock& block = blocks[0];
  CHECK(block.record_count == 2);
  CHECK(block.bytes == "a,b\nc,d\n");
  CHECK(block.bytes.data() == view.data());
  CHECK(block.owner.get() == static_cast<const void*>(buffer.get()));
  const RecordBlock end = framer.finish();
  CHECK(end.bytes == "rest");
  CHECK(end.byte_offset == 8);
}

TEST_CASE("framer: CRLF terminators") {
  CHECK(records_of("a,b\r\nc,d\r\n", 100) == std::vector<std::string>{"a,b\r\n", "c,d\r\n"});
}

TEST_CASE("framer: quoted fields with embedded LF, CRLF, delimiters and escaped quotes") {
  const std::string input =
      "id,text\n"
      "1,\"line one\nline two\"\n"
      "2,\"crlf\r\ninside\"\r\n"
      "3,\"say \"\"hi\"\"\nnow\"\n"
      "4,\"a,b\"\n";
  CHECK(records_of(input, input.size()) ==
        std::vector<std::string>{"id,text\n", "1,\"line one\nline two\"\n",
                                 "2,\"crlf\r\ninside\"\r\n", "3,\"say \"\"hi\"\"\nnow\"\n",
                                 "4,\"a,b\"\n"});
}

TEST_CASE("framer: first_row and first_line count embedded newlines") {
  CsvFramer framer;
  framer.feed(std::make_shared<const std::string>("h\n\"a\nb\nc\"\n"));
  const RecordBlocks blocks = framer.feed(std::make_shared<const std::string>("x\ny\n"));
  REQUIRE(blocks.size() == 1);
  const RecordBlock& block = blocks[0];
  CHECK(block.first_row == 3);
  CHECK(block.first_line == 5);
  CHECK(block.record_count == 2);
  CHECK(block.byte_offset == 10);
}

TEST_CASE("framer: a quote inside an unquoted field is literal") {
  CHECK(records_of("ab\"c,d\ne,f\n", 100) == std::vector<std::string>{"ab\"c,d\n", "e,f\n"});
  // After junk following a closing quote, a later quote is literal too.
  CHECK(records_of("\"a\"b\"c\nx\n", 100) == std::vector<std::string>{"\"a\"b\"c\n", "x\n"});
  // A quote after a delimiter opens a field even after junk.
  CHECK(records_of("\"a\"b,\"c\nd\"\n", 100) == std::vector<std::string>{"\"a\"b,\"c\nd\"\n"});
}

TEST_CASE("framer: UTF-8 BOM is removed and counted in byte_offset") {
  const std::string input = "\xEF\xBB\xBFid\n1\n";
  for (std::size_t size = 1; size <= input.size(); ++size) {
    CAPTURE(size);
    const Framed f = frame(input, size);
    CHECK(f.records == std::vector<std::string>{"id\n", "1\n"});
  }
  CsvFramer framer;
  const RecordBlocks blocks = framer.feed(std::make_shared<const std::string>(input));
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].byte_offset == 3);
  CHECK(blocks[0].bytes == "id\n1\n");
}

TEST_CASE("framer: bytes that only start like a BOM are data") {
  const std::string input = "\xEF\xBBx\n";
  for (std::size_t size = 1; size <= input.size(); ++size) {
    CAPTURE(size);
    CHECK(records_of(input, size) == std::vector<std::string>{input});
  }
  CHECK(records_of("\xEF", 1) == std::vector<std::string>{"\xEF"});
  CHECK(records_of("\n", 1) == std::vector<std::string>{"\n"});
  CHECK(records_of("a\n", 1) == std::vector<std::string>{"a\n"});
}

TEST_CASE("framer: a BOM-only stream has no records") {
  CHECK(records_of("\xEF\xBB\xBF", 1).empty());
  CHECK(records_of("\xEF\xBB\xBF", 3).empty());
}

TEST_CASE("framer: CRLF split between chunks") {
  CsvFramer framer;
  CHECK(framer.feed(std::make_shared<const std::string>("a,b\r")).empty());
  const RecordBlocks second = framer.feed(std::make_shared<const std::string>("\nc,d\r\n"));
  REQUIRE(second.size() == 2);
  CHECK(second[0].bytes == "a,b\r\n");
  CHECK(second[1].bytes == "c,d\r\n");
  CHECK(second.record_count() == 2);
  CHECK(framer.finish().record_count == 0);
}

TEST_CASE("framer: only the record spanning chunks is copied, the chunk's others are a view") {
  CsvFramer framer;
  auto first = std::make_shared<const std::string>("id,text\n1,\"par");
  auto second = std::make_shared<const std::string>("t one\npart two\"\n2,b\n3,c\ntail");
  const RecordBlocks head = framer.feed(first);
  REQUIRE(head.size() == 1);
  CHECK(head[0].bytes == "id,text\n");
  const RecordBlocks blocks = framer.feed(second);
  REQUIRE(blocks.size() == 2);
  const RecordBlock& spanning = blocks[0];
  CHECK(spanning.bytes == "1,\"part one\npart two\"\n");
  CHECK(spanning.record_count == 1);
  CHECK(spanning.first_row == 2);
  CHECK(spanning.first_line == 2);
  CHECK(spanning.byte_offset == 8);
  CHECK(spanning.owner.get() != static_cast<const void*>(second.get()));
  const RecordBlock& rest = blocks[1];
  CHECK(rest.bytes == "2,b\n3,c\n");
  CHECK(rest.bytes.data() == second->data() + 16);  // a view into the chunk, not a copy
  CHECK(rest.owner.get() == static_cast<const void*>(second.get()));
  CHECK(rest.record_count == 2);
  CHECK(rest.first_row == 3);
  CHECK(rest.first_line == 4);  // the spanning record took lines 2 and 3
  CHECK(rest.byte_offset == 8 + 22);
  const RecordBlock end = framer.finish();
  CHECK(end.bytes == "tail");
  CHECK(end.first_row == 5);
  CHECK(end.first_line == 6);
  CHECK(end.byte_offset == 8 + 22 + 8);
}

TEST_CASE("framer: a record spanning several chunks comes whole, with its row, line and offset") {
  CsvFramer framer;
  // The BOM is not data but counts in byte offsets; the long record has CRLF inside quotes.
  CHECK(framer.feed(std::make_shared<const std::string>("\xEF\xBB\xBFh\r\n\"a")).size() == 1);
  for (const char* middle : {"b\r\nc", "\"\"d", "e,\nf"}) {
    CHECK(framer.feed(std::make_shared<const std::string>(middle)).empty());
  }
  auto last = std::make_shared<const std::string>("\"\r\nx\r\n");
  const RecordBlocks blocks = framer.feed(last);
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].bytes == "\"ab\r\nc\"\"de,\nf\"\r\n");
  CHECK(blocks[0].record_count == 1);
  CHECK(blocks[0].first_row == 2);
  CHECK(blocks[0].first_line == 2);
  CHECK(blocks[0].byte_offset == 3 + 3);
  CHECK(blocks[1].bytes == "x\r\n");
  CHECK(blocks[1].bytes.data() == last->data() + 3);
  CHECK(blocks[1].first_row == 3);
  CHECK(blocks[1].first_line == 5);
  CHECK(blocks[1].byte_offset == 3 + 3 + 16);
  CHECK(framer.records_framed() == 3);
  CHECK(framer.finish().record_count == 0);
}

TEST_CASE("framer: last record without terminator comes from finish") {
  CsvFramer framer;
  CHECK(framer.feed(std::make_shared<const std::string>("a\nb\nlast")).record_count() == 2);
  const RecordBlock end = framer.finish();
  CHECK(end.record_count == 1);
  CHECK(end.bytes == "last");
  CHECK(end.first_row == 3);
  CHECK(end.first_line == 3);
  CHECK(end.byte_offset == 4);
  CHECK_FALSE(end.unterminated_quote);
  CHECK(framer.finish().record_count == 0);
}

TEST_CASE("framer: unterminated quote at end of stream") {
  CsvFramer framer;
  CHECK(framer.feed(std::make_shared<const std::string>("a\n\"open\nstill\n")).record_count() == 1);
  const RecordBlock end = framer.finish();
  CHECK(end.record_count == 1);
  CHECK(end.unterminated_quote);
  CHECK(end.bytes == "\"open\nstill\n");
  // A closed quote right at the end is fine.
  CHECK_FALSE(frame("\"x\"", 1).unterminated_quote);
  CHECK(frame("\"x\"\"", 1).unterminated_quote);
}

TEST_CASE("framer: blank lines are records") {
  CHECK(records_of("a\n\n\r\nb\n", 3) == std::vector<std::string>{"a\n", "\n", "\r\n", "b\n"});
}

TEST_CASE("framer: a chunk without a terminator returns no records") {
  CsvFramer framer;
  CHECK(framer.feed(std::make_shared<const std::string>("partial")).empty());
  CHECK(framer.feed(nullptr).empty());
  CHECK(framer.feed(std::make_shared<const std::string>()).empty());
  const RecordBlock end = framer.finish();
  CHECK(end.bytes == "partial");
}

TEST_CASE("framer: a long quoted field spans many chunks") {
  std::string field;
  for (int i = 0; i < 2000; ++i) field += (i % 7 == 0) ? "\n\"\"," : "abc";
  const std::string input = "h\n\"" + field + "\"\r\nafter\n";
  const Framed f = frame(input, 97);
  REQUIRE(f.records.size() == 3);
  CHECK(f.records[1] == "\"" + field + "\"\r\n");
  CHECK(f.records[2] == "after\n");
}

TEST_CASE("framer: custom dialect") {
  const Dialect d{';', '\''};
  CHECK(frame("a;'x\n;y'\n'q''\n'\n", 2, d).records ==
        std::vector<std::string>{"a;'x\n;y'\n", "'q''\n'\n"});
  // The default quote is plain data in this dialect.
  CHECK(frame("\"a\nb\"\n", 2, d).records == std::vector<std::string>{"\"a\n", "b\"\n"});
}

TEST_CASE("framer: feed after finish is a programming error") {
  CsvFramer framer;
  (void)framer.finish();
  CHECK_THROWS_AS(framer.feed(std::make_shared<const std::string>("x\n")), sluice::Error);
}

TEST_CASE("framer: every chunk size gives the same records") {
  const std::string input =
      "\xEF\xBB\xBFid,utterance,intent\r\n"
      "1,\"hello, world\",greet\r\n"
      "2,\"she said \"\"hi\"\"\r\nthen left\",story\n"
      "\n"
      "3,ab\"c,x\n"
      "4,\"\",\"\"\"\"\n"
      "5,\"caf\xC3\xA9\n\xE6\x97\xA5\xE6\x9C\xAC\",\"a\"x,y\n"
      "6,last,\"no newline\nat end\"";
  const Framed whole = frame(input, input.size());
  REQUIRE(whole.records.size() == 8);
  CHECK(whole.joined == input.substr(3));
  for (std::size_t size = 1; size <= input.size(); ++size) {
    CAPTURE(size);
    CHECK(frame(input, size) == whole);
  }
}

TEST_CASE("framer: matches the reference on random input and random chunking") {
  const std::uint32_t seed = 0x5EED'CF01;
  MESSAGE("random seed " << seed);
  std::mt19937 rng(seed);
  const std::string alphabet[] = {"a", "b", ",", "\"", "\"\"", "\n", "\r\n", "\r", "\xC3\xA9", " "};
  for (int round = 0; round < 400; ++round) {
    std::string input = (round % 5 == 0) ? "\xEF\xBB\xBF" : "";
    const std::size_t pieces = rng() % 300;
    for (std::size_t i = 0; i < pieces; ++i) input += alphabet[rng() % std::size(alphabet)];
    const std::string_view body = std::string_view(input).substr(round % 5 == 0 ? 3 : 0);
    bool unterminated = false;
    const auto expected = reference_records(body, Dialect{}, &unterminated);
    const std::size_t chunk = 1 + rng() % 200;
    CAPTURE(round);
    CAPTURE(chunk);
    const Framed f = frame(input, chunk);
    CHECK(f.records == expected);
    CHECK(f.unterminated_quote == unterminated);
    CHECK(f.joined == body);
  }
}

}  // namespace
}  // namespace sluice::csv
