#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "support/csv_framer.hpp"
#include "support/csv_row_parser.hpp"

namespace sluice::csv {
namespace {

using Strings = std::vector<std::string>;

struct Problem {
  std::uint64_t row;
  std::uint64_t line;
  std::string reason;
  std::string raw;
  bool operator==(const Problem&) const = default;
};

struct Parsed {
  std::string header_error;
  Strings columns;
  std::vector<Strings> rows;
  std::vector<std::uint64_t> row_numbers;
  std::vector<Problem> problems;
  bool operator==(const Parsed&) const = default;
};

// The whole pipeline as a node would run it: frame chunks, split the header off the first
// non-empty block, parse the rest of every block.
Parsed parse_stream(std::string_view input, std::size_t chunk_size, Dialect d = {}) {
  CsvFramer framer(d);
  Parsed out;
  std::shared_ptr<const Columns> columns;
  auto handle = [&](RecordBlock block) {
    if (block.record_count == 0 || !out.header_error.empty()) return;
    if (!columns) {
      const std::size_t len = first_record_length(block.bytes, d);
      const std::string_view header = block.bytes.substr(0, len);
      auto parsed = parse_header(header, d);
      if (!parsed.ok()) {
        out.header_error = parsed.status().message();
        return;
      }
      columns = *parsed;
      out.columns = columns->names;
      block.bytes.remove_prefix(len);
      block.first_row += 1;
      block.first_line += static_cast<std::uint64_t>(std::count(header.begin(), header.end(), '\n'));
      block.byte_offset += len;
      block.record_count -= 1;
    }
    const ParsedRows parsed = parse_rows(block, columns, d);
    for (std::size_t r = 0; r < parsed.rows.size(); ++r) {
      Strings row;
      for (const auto field : parsed.rows.row(r)) row.emplace_back(field);
      out.rows.push_back(std::move(row));
      out.row_numbers.push_back(parsed.rows.row_number(r));
    }
    for (const auto& p : parsed.problems) out.problems.push_back({p.row, p.line, p.reason, p.raw});
  };
  for (std::size_t at = 0; at < input.size(); at += chunk_size) {
    for (const RecordBlock& block :
         framer.feed(std::make_shared<const std::string>(input.substr(at, chunk_size)))) {
      handle(block);
    }
  }
  handle(framer.finish());
  return out;
}

std::uint64_t framed_record_count(std::string_view input) {
  CsvFramer framer;
  std::uint64_t count = framer.feed(std::make_shared<const std::string>(input)).record_count();
  return count + framer.finish().record_count;
}

Parsed parse_whole(std::string_view input, Dialect d = {}) {
  return parse_stream(input, std::max<std::size_t>(input.size(), 1), d);
}

std::shared_ptr<const Columns> columns_of(Strings names) {
  auto columns = std::make_shared<Columns>();
  columns->names = std::move(names);
  return columns;
}

RecordBlock block_of(const std::shared_ptr<const std::string>& text, std::uint64_t first_row = 2,
                     std::uint64_t first_line = 2) {
  RecordBlock block;
  block.owner = text;
  block.bytes = *text;
  block.first_row = first_row;
  block.first_line = first_line;
  block.record_count = 1;
  return block;
}

TEST_CASE("parse_header: names, quoted names and terminators") {
  auto plain = parse_header("id,utterance,intent\n", Dialect{});
  REQUIRE(plain.ok());
  CHECK((*plain)->names == Strings{"id", "utterance", "intent"});

  auto quoted = parse_header("\"a,b\",\"say \"\"x\"\"\",c\r\n", Dialect{});
  REQUIRE(quoted.ok());
  CHECK((*quoted)->names == Strings{"a,b", "say \"x\"", "c"});

  auto unterminated = parse_header("x;y", Dialect{';', '"'});
  REQUIRE(unterminated.ok());
  CHECK((*unterminated)->names == Strings{"x", "y"});

  auto one_empty = parse_header("\"\"\n", Dialect{});
  REQUIRE(one_empty.ok());
  CHECK((*one_empty)->names == Strings{""});
}

TEST_CASE("parse_header: errors") {
  for (const std::string_view empty : {"", "\n", "\r\n"}) {
    auto header = parse_header(empty, Dialect{});
    REQUIRE_FALSE(header.ok());
    CHECK(header.status().code() == StatusCode::data_error);
    CHECK(header.status().message() == "CSV header is empty");
  }
  auto duplicate = parse_header("id,text,id\n", Dialect{});
  REQUIRE_FALSE(duplicate.ok());
  CHECK(duplicate.status().code() == StatusCode::data_error);
  CHECK(duplicate.status().message() == "duplicate column name 'id' in CSV header (columns 1 and 3)");

  auto unclosed = parse_header("a,\"b\n", Dialect{});
  REQUIRE_FALSE(unclosed.ok());
  CHECK(unclosed.status().message() == "CSV header: quoted field is not closed before end of file");

  auto junk = parse_header("a,\"b\"c\n", Dialect{});
  REQUIRE_FALSE(junk.ok());
  CHECK(junk.status().message() ==
        "CSV header: unexpected character 'c' after closing quote in field 2");

  auto two = parse_header("a\nb\n", Dialect{});
  REQUIRE_FALSE(two.ok());
  CHECK(two.status().code() == StatusCode::invalid_argument);
}

TEST_CASE("first_record_length") {
  CHECK(first_record_length("", Dialect{}) == 0);
  CHECK(first_record_length("a,b\nc,d\n", Dialect{}) == 4);
  CHECK(first_record_length("a,b\r\nc,d\n", Dialect{}) == 5);
  CHECK(first_record_length("\"x\ny\",z\r\nrest\n", Dialect{}) == 9);
  CHECK(first_record_length("no terminator", Dialect{}) == 13);
  CHECK(first_record_length("\"open\nforever", Dialect{}) == 13);
  CHECK(first_record_length("\n\n", Dialect{}) == 1);
}

TEST_CASE("parse_rows: plain rows, row numbers and zero-copy fields") {
  auto text = std::make_shared<const std::string>("1,hello,greet\n2,bye,leave\n");
  RecordBlock block = block_of(text, 2, 2);
  block.record_count = 2;
  const ParsedRows parsed = parse_rows(block, columns_of({"id", "utterance", "intent"}), Dialect{});
  CHECK(parsed.problems.empty());
  REQUIRE(parsed.rows.size() == 2);
  CHECK(parsed.rows.width() == 3);
  CHECK(parsed.rows.field(0, 1) == "hello");
  CHECK(parsed.rows.field(1, 2) == "leave");
  CHECK(parsed.rows.row_number(0) == 2);
  CHECK(parsed.rows.row_number(1) == 3);
  const std::string_view hello = parsed.rows.field(0, 1);
  CHECK(hello.data() >= text->data());
  CHECK(hello.data() + hello.size() <= text->data() + text->size());
}

TEST_CASE("parse_rows: quoted fields, escapes and embedded newlines") {
  const Parsed p = parse_whole(
      "id,text\n"
      "1,\"a,b\"\n"
      "2,\"say \"\"hi\"\"\"\n"
      "3,\"two\nlines\"\n"
      "4,\"crlf\r\ninside\"\r\n"
      "5,\"\"\"\"\n"
      "6,\"lone\rcr\"\n");
  CHECK(p.problems.empty());
  CHECK(p.rows == std::vector<Strings>{{"1", "a,b"},
                                       {"2", "say \"hi\""},
                                       {"3", "two\nlines"},
                                       {"4", "crlf\r\ninside"},
                                       {"5", "\""},
                                       {"6", "lone\rcr"}});
  CHECK(p.row_numbers == std::vector<std::uint64_t>{2, 3, 4, 5, 6, 7});
}

TEST_CASE("parse_rows: escaped fields live in the arena, the rest in the block") {
  auto text = std::make_shared<const std::string>("\"a\"\"b\",\"plain\"\n");
  const ParsedRows parsed = parse_rows(block_of(text), columns_of({"x", "y"}), Dialect{});
  REQUIRE(parsed.rows.size() == 1);
  const std::string_view escaped = parsed.rows.field(0, 0);
  const std::string_view plain = parsed.rows.field(0, 1);
  CHECK(escaped == "a\"b");
  CHECK(plain == "plain");
  CHECK(plain.data() == text->data() + 8);
  const bool escaped_in_block =
      escaped.data() >= text->data() && escaped.data() < text->data() + text->size();
  CHECK_FALSE(escaped_in_block);
}

TEST_CASE("parse_rows: empty fields") {
  const Parsed p = parse_whole("a,b,c\n,,\n\"\",\"\",\"\"\r\nx,,\"\"");
  CHECK(p.problems.empty());
  CHECK(p.rows == std::vector<Strings>{{"", "", ""}, {"", "", ""}, {"x", "", ""}});
}

TEST_CASE("parse_rows: LF, CRLF and a final record without terminator") {
  CHECK(parse_whole("a,b\r\n1,2\n3,4\r\n5,6").rows ==
        std::vector<Strings>{{"1", "2"}, {"3", "4"}, {"5", "6"}});
  CHECK(parse_whole("a,b\n1,2\r").rows == std::vector<Strings>{{"1", "2"}});
  CHECK(parse_whole("a,b\n1,\"2\"\r").rows == std::vector<Strings>{{"1", "2"}});
  CHECK(parse_whole("a,b\n1,\"2\"").rows == std::vector<Strings>{{"1", "2"}});
}

TEST_CASE("parse_rows: a lone CR inside an unquoted field is data") {
  CHECK(parse_whole("a,b\n1,x\ry\n").rows == std::vector<Strings>{{"1", "x\ry"}});
}

TEST_CASE("parse_rows: a bare quote in an unquoted field is kept literally") {
  const Parsed p = parse_whole("a,b\nab\"c,5\" tall\n");
  CHECK(p.problems.empty());
  CHECK(p.rows == std::vector<Strings>{{"ab\"c", "5\" tall"}});
}

TEST_CASE("parse_rows: wrong field count") {
  const Parsed p = parse_whole("a,b,c,d\n1,2,3,4\n1,2,3,4,5\n1,2,3\n9,9,9,9\n");
  CHECK(p.rows == std::vector<Strings>{{"1", "2", "3", "4"}, {"9", "9", "9", "9"}});
  CHECK(p.row_numbers == std::vector<std::uint64_t>{2, 5});
  CHECK(p.problems == std::vector<Problem>{{3, 3, "expected 4 fields, found 5", "1,2,3,4,5"},
                                           {4, 4, "expected 4 fields, found 3", "1,2,3"}});
  const Parsed single = parse_whole("only\nx,y\r\n");
  CHECK(single.problems == std::vector<Problem>{{2, 2, "expected 1 field, found 2", "x,y"}});
}

TEST_CASE("parse_rows: junk after a closing quote") {
  const Parsed p = parse_whole("a,b,c\n1,\"ab\"x,3\n2,\"q\"\r,3\n4,\"ok\",5\n");
  CHECK(p.rows == std::vector<Strings>{{"4", "ok", "5"}});
  CHECK(p.problems ==
        std::vector<Problem>{
            {2, 2, "unexpected character 'x' after closing quote in field 2", "1,\"ab\"x,3"},
            {3, 3, "unexpected character '\\r' after closing quote in field 2", "2,\"q\"\r,3"}});
}

TEST_CASE("parse_rows: junk followed by a quoted field with a newline stays one record") {
  const Parsed p = parse_whole("a,b\n\"x\"y,\"multi\nline\"\n1,2\n");
  CHECK(p.rows == std::vector<Strings>{{"1", "2"}});
  REQUIRE(p.problems.size() == 1);
  CHECK(p.problems[0].row == 2);
  CHECK(p.problems[0].raw == "\"x\"y,\"multi\nline\"");
  CHECK(p.row_numbers == std::vector<std::uint64_t>{3});
}

TEST_CASE("parse_rows: blank lines are reported and still counted") {
  const Parsed p = parse_whole("a,b\n1,2\n\n\r\n3,4\n");
  CHECK(p.rows == std::vector<Strings>{{"1", "2"}, {"3", "4"}});
  CHECK(p.row_numbers == std::vector<std::uint64_t>{2, 5});
  CHECK(p.problems == std::vector<Problem>{{3, 3, "blank line", ""}, {4, 4, "blank line", ""}});
  // One column: a blank line is still rejected, an empty quoted value is a row.
  const Parsed one = parse_whole("x\n\n\"\"\n");
  CHECK(one.rows == std::vector<Strings>{{""}});
  CHECK(one.problems == std::vector<Problem>{{2, 2, "blank line", ""}});
}

TEST_CASE("parse_rows: unterminated quote at end of file") {
  const Parsed p = parse_whole("a,b\n1,\"two\nlines\n2,x\n");
  CHECK(p.rows.empty());
  CHECK(p.problems == std::vector<Problem>{{2, 2, "quoted field is not closed before end of file",
                                            "1,\"two\nlines\n2,x\n"}});
}

TEST_CASE("parse_rows: line numbers follow embedded newlines") {
  const Parsed p = parse_whole("a,b\n1,\"x\ny\nz\"\n2,\"p\r\nq\"\nbad\n3,4\n");
  CHECK(p.row_numbers == std::vector<std::uint64_t>{2, 3, 5});
  CHECK(p.problems == std::vector<Problem>{{4, 7, "expected 2 fields, found 1", "bad"}});
}

TEST_CASE("parse_rows: UTF-8 content") {
  const Parsed p = parse_whole(
      "id,utterance,locale\n"
      "1,caf\xC3\xA9 cr\xC3\xA8me,fr-FR\n"
      "2,\"\xE6\x97\xA5\xE6\x9C\xAC, \xE8\xAA\x9E\",ja-JP\n"
      "3,\xF0\x9F\x98\x80,und\n");
  CHECK(p.problems.empty());
  CHECK(p.rows == std::vector<Strings>{{"1", "caf\xC3\xA9 cr\xC3\xA8me", "fr-FR"},
                                       {"2", "\xE6\x97\xA5\xE6\x9C\xAC, \xE8\xAA\x9E", "ja-JP"},
                                       {"3", "\xF0\x9F\x98\x80", "und"}});
}

TEST_CASE("parse_rows: problem text is cut at 4 KiB on a UTF-8 boundary") {
  std::string long_field;
  while (long_field.size() < 5000) long_field += "\xE2\x82\xAC";  // 3-byte euro sign
  const Parsed p = parse_whole("a,b\nx," + long_field + ",extra\n");
  REQUIRE(p.problems.size() == 1);
  const std::string& raw = p.problems[0].raw;
  CHECK(raw.size() <= kMaxProblemRawBytes);
  CHECK(raw.size() > kMaxProblemRawBytes - 4);
  CHECK(raw.starts_with("x,\xE2\x82\xAC"));
  CHECK((raw.size() - 2) % 3 == 0);
}

TEST_CASE("parse_rows: empty and header-only input") {
  const Parsed empty = parse_whole("");
  CHECK(empty.columns.empty());
  CHECK(empty.rows.empty());
  CHECK(empty.problems.empty());
  const Parsed header_only = parse_whole("id,text\r\n");
  CHECK(header_only.columns == Strings{"id", "text"});
  CHECK(header_only.rows.empty());
  CHECK(header_only.problems.empty());
  const Parsed header_no_newline = parse_whole("id,text");
  CHECK(header_no_newline.columns == Strings{"id", "text"});
  CHECK(header_no_newline.rows.empty());

  RecordBlock nothing;
  const ParsedRows none = parse_rows(nothing, columns_of({"a"}), Dialect{});
  CHECK(none.rows.empty());
  CHECK(none.problems.empty());
}

TEST_CASE("parse_rows: BOM before the header") {
  const Parsed p = parse_whole("\xEF\xBB\xBFid,x\n1,2\n");
  CHECK(p.columns == Strings{"id", "x"});
  CHECK(p.rows == std::vector<Strings>{{"1", "2"}});
}

TEST_CASE("parse_rows: custom dialect") {
  const Dialect d{'\t', '\''};
  const Parsed p = parse_whole("a\tb\n'x\ty'\t'it''s'\n\"q\"\t2\n", d);
  CHECK(p.problems.empty());
  CHECK(p.rows == std::vector<Strings>{{"x\ty", "it's"}, {"\"q\"", "2"}});
}

TEST_CASE("parse_rows: long rows cross many scan windows") {
  std::string input = "a,b,c\n";
  std::vector<Strings> expected;
  for (int i = 0; i < 50; ++i) {
    const std::string big(static_cast<std::size_t>(i) * 13, static_cast<char>('a' + i % 26));
    input += std::to_string(i) + ",\"" + big + ",\"\"" + big + "\"," + big + "\n";
    expected.push_back({std::to_string(i), big + ",\"" + big, big});
  }
  const Parsed p = parse_whole(input);
  CHECK(p.problems.empty());
  CHECK(p.rows == expected);
}

TEST_CASE("parse_rows: every chunk size gives the same result") {
  const std::string input =
      "\xEF\xBB\xBFid,utterance,intent\r\n"
      "1,\"hello, world\",greet\r\n"
      "2,\"she said \"\"hi\"\"\r\nthen left\",story\n"
      "\n"
      "3,ab\"c,x\n"
      "4,\"\",\"\"\"\"\n"
      "5,\"caf\xC3\xA9\n\xE6\x97\xA5\xE6\x9C\xAC\",\"a\"x,y\n"
      "6,too,many,fields\n"
      "7,last,\"no newline\nat end\"";
  const Parsed whole = parse_whole(input);
  CHECK(whole.columns == Strings{"id", "utterance", "intent"});
  CHECK(whole.rows == std::vector<Strings>{{"1", "hello, world", "greet"},
                                           {"2", "she said \"hi\"\r\nthen left", "story"},
                                           {"3", "ab\"c", "x"},
                                           {"4", "", "\""},
                                           {"7", "last", "no newline\nat end"}});
  CHECK(whole.row_numbers == std::vector<std::uint64_t>{2, 3, 5, 6, 9});
  CHECK(whole.problems ==
        std::vector<Problem>{
            {4, 5, "blank line", ""},
            {7, 8, "unexpected character 'x' after closing quote in field 3",
             "5,\"caf\xC3\xA9\n\xE6\x97\xA5\xE6\x9C\xAC\",\"a\"x,y"},
            {8, 10, "expected 3 fields, found 4", "6,too,many,fields"}});
  for (std::size_t size = 1; size <= input.size(); ++size) {
    CAPTURE(size);
    CHECK(parse_stream(input, size) == whole);
  }
}

TEST_CASE("parse_rows: random messy input parses the same for any chunking") {
  const std::uint32_t seed = 0xC5'0F'A1'7E;
  MESSAGE("random seed " << seed);
  std::mt19937 rng(seed);
  const std::string pieces[] = {"a", "bc", ",", ",", "\"", "\"\"", "\n", "\r\n", "\r", "\xC3\xA9"};
  for (int round = 0; round < 300; ++round) {
    std::string input = "h1,h2,h3\n";
    const std::size_t n = rng() % 200;
    for (std::size_t i = 0; i < n; ++i) input += pieces[rng() % std::size(pieces)];
    const Parsed whole = parse_whole(input);
    const std::size_t chunk = 1 + rng() % 150;
    CAPTURE(round);
    CAPTURE(chunk);
    const Parsed chunked = parse_stream(input, chunk);
    CHECK(chunked == whole);
    // Every record is either a row or a problem.
    CHECK(whole.rows.size() + whole.problems.size() + 1 == framed_record_count(input));
  }
}

}  // namespace
}  // namespace sluice::csv
