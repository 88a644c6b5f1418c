#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
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

// The documented rules read one byte at a time, written for clarity rather than speed: the parser
// must agree with it on fields, row numbers, raw texts and problems for any block.
struct ReferenceRows {
  std::vector<Strings> rows;
  std::vector<std::uint64_t> row_numbers;
  Strings raws;
  std::vector<Problem> problems;
  bool operator==(const ReferenceRows&) const = default;
};

ReferenceRows reference_parse_rows(std::string_view t, std::size_t width, std::uint64_t first_row,
                                   std::uint64_t first_line, Dialect d) {
  ReferenceRows out;
  const std::size_t n = t.size();
  std::uint64_t row = first_row;
  std::uint64_t line = first_line;
  std::size_t pos = 0;
  while (pos < n) {
    const std::size_t start = pos;
    Strings fields;
    std::string flaw;
    std::uint64_t inner_lines = 0;
    bool first_quoted = false;
    std::size_t end = 0;
    std::size_t content_end = 0;
    // The end of a record whose last field stops at `e` (an LF or the end of the text).
    auto finish = [&](std::size_t e) {
      end = e < n ? e + 1 : n;
      content_end = (e > start && t[e - 1] == '\r') ? e - 1 : e;
    };
    for (;;) {
      if (pos < n && t[pos] == d.quote) {
        if (fields.empty()) first_quoted = true;
        std::string value;
        bool closed = false;
        for (++pos; pos < n; ++pos) {
          if (t[pos] != d.quote) {
            if (t[pos] == '\n') ++inner_lines;
            value += t[pos];
          } else if (pos + 1 < n && t[pos + 1] == d.quote) {
            value += d.quote;
            ++pos;
          } else {
            closed = true;
            ++pos;
            break;
          }
        }
        fields.push_back(value);
        if (!closed) {
          flaw = "quoted field is not closed before end of file";
          end = content_end = n;
          break;
        }
        if (pos == n) {
          end = content_end = n;
          break;
        }
        const char c = t[pos];
        if (c == d.delimiter) {
          ++pos;
          continue;
        }
        if (c == '\n' || (c == '\r' && (pos + 1 == n || t[pos + 1] == '\n'))) {
          content_end = pos;
          end = std::min(n, pos + (c == '\r' ? 2 : 1));
          break;
        }
        if (flaw.empty()) {
          const auto byte = static_cast<unsigned char>(c);
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02X", byte);
          const std::string shown = c == '\r'   ? "'\\r'"
                                    : c == '\t' ? "'\\t'"
                                    : byte >= 0x20 && byte < 0x7F ? std::string("'") + c + "'"
                                                                  : std::string("byte ") + hex;
          flaw = "unexpected character " + shown + " after closing quote in field " +
                 std::to_string(fields.size());
        }
        while (pos < n && t[pos] != d.delimiter && t[pos] != '\n') ++pos;
        if (pos < n && t[pos] == d.delimiter) {
          ++pos;
          continue;
        }
        finish(pos);
        break;
      }
      const std::size_t field_start = pos;
      while (pos < n && t[pos] != d.delimiter && t[pos] != '\n') ++pos;
      if (pos < n && t[pos] == d.delimiter) {
        fields.emplace_back(t.substr(field_start, pos - field_start));
        ++pos;
        continue;
      }
      finish(pos);
      fields.emplace_back(t.substr(field_start, content_end > field_start ? content_end - field_start : 0));
      break;
    }
    const std::string raw(t.substr(start, content_end - start));
    std::string reason = flaw;
    if (reason.empty() && fields.size() == 1 && !first_quoted && content_end == start) {
      reason = "blank line";
    }
    if (reason.empty() && fields.size() != width) {
      reason = "expected " + std::to_string(width) + (width == 1 ? " field" : " fields") +
               ", found " + std::to_string(fields.size());
    }
    if (reason.empty()) {
      out.rows.push_back(fields);
      out.row_numbers.push_back(row);
      out.raws.push_back(raw);
    } else {
      out.problems.push_back({row, line, reason, raw});
    }
    ++row;
    line += 1 + inner_lines;
    pos = end;
  }
  return out;
}

ReferenceRows parsed_rows_of(std::string_view text, std::size_t width, std::uint64_t first_row,
                             std::uint64_t first_line, Dialect d) {
  Strings names;
  for (std::size_t c = 0; c < width; ++c) names.push_back("c" + std::to_string(c));
  auto owner = std::make_shared<const std::string>(text);
  RecordBlock block = block_of(owner, first_row, first_line);
  const ParsedRows parsed = parse_rows(block, columns_of(names), d);
  ReferenceRows out;
  for (std::size_t r = 0; r < parsed.rows.size(); ++r) {
    const auto row = parsed.rows.row(r);
    out.rows.emplace_back(row.begin(), row.end());
    out.row_numbers.push_back(parsed.rows.row_number(r));
    REQUIRE(parsed.rows.has_raw());
    out.raws.emplace_back(parsed.rows.raw(r));
  }
  for (const auto& p : parsed.problems) out.problems.push_back({p.row, p.line, p.reason, p.raw});
  std::uint64_t field_bytes = 0;
  for (const Strings& row : out.rows) {
    for (const std::string& field : row) field_bytes += field.size();
  }
  CHECK(parsed.rows.field_bytes() == field_bytes);
  return out;
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

TEST_CASE("parse_rows: raw text is each row's record without its terminator") {
  const std::string text = "1,\"a,b\"\r\n2,\"x\"\"y\nz\"\n3,plain\n4,last\r";
  const ReferenceRows got = parsed_rows_of(text, 2, 2, 2, Dialect{});
  CHECK(got.problems.empty());
  CHECK(got.raws == Strings{"1,\"a,b\"", "2,\"x\"\"y\nz\"", "3,plain", "4,last"});
  CHECK(got == reference_parse_rows(text, 2, 2, 2, Dialect{}));
}

TEST_CASE("parse_rows: agrees with a byte-at-a-time reading of the rules") {
  const std::uint32_t seed = 0x5EED'C5F0;
  MESSAGE("random seed " << seed);
  std::mt19937 rng(seed);
  // Dialects whose bytes share a low nibble with each other or with LF (':' and '*' do) are
  // scanned differently from the rest; bytes that share a nibble with a special one are not it.
  const Dialect dialects[] = {Dialect{},          Dialect{';', '\''}, Dialect{'\t', '"'},
                              Dialect{':', '|'},  Dialect{' ', '*'},  Dialect{'|', '\''}};
  for (int round = 0; round < 3000; ++round) {
    const Dialect d = dialects[rng() % std::size(dialects)];
    const std::string pieces[] = {"a", "bc", std::string(1, d.delimiter), std::string(1, d.delimiter),
                                  std::string(1, d.quote), std::string(2, d.quote), "\n", "\r\n",
                                  "\r", "\xC3\xA9", std::string(1 + rng() % 80, 'w'), ",", "\"",
                                  "\t", std::string(1, d.quote) + "q" + std::string(1, d.quote),
                                  std::string(1, '\0'), "\x01", "\x1A\xAC", "\xFA\x72", "*:|"};
    std::string input;
    const std::size_t n = rng() % 120;
    for (std::size_t i = 0; i < n; ++i) input += pieces[rng() % std::size(pieces)];
    const std::size_t width = 1 + rng() % 4;
    CAPTURE(round);
    CAPTURE(input);
    CAPTURE(width);
    CHECK(parsed_rows_of(input, width, 5, 9, d) == reference_parse_rows(input, width, 5, 9, d));
  }
}

TEST_CASE("parse_rows: agrees with the reference on mostly valid rows of every length") {
  // Valid rows around the 64-byte scan window, so field and record ends fall on every offset.
  std::mt19937 rng(7);
  std::string input;
  for (int r = 0; r < 400; ++r) {
    for (int c = 0; c < 3; ++c) {
      if (c != 0) input += ',';
      const std::string value(rng() % 40, static_cast<char>('a' + rng() % 26));
      switch (rng() % 6) {
        case 0: input += "\"" + value + ",\"\"" + value + "\""; break;
        case 1: input += "\"" + value + "\n" + "\""; break;
        default: input += value;
      }
    }
    input += rng() % 3 == 0 ? "\r\n" : "\n";
  }
  const ReferenceRows expected = reference_parse_rows(input, 3, 2, 2, Dialect{});
  CHECK(expected.problems.size() < 20);
  CHECK(parsed_rows_of(input, 3, 2, 2, Dialect{}) == expected);
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
