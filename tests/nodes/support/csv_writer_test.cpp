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
#include "support/csv_writer.hpp"

namespace sluice::csv {
namespace {

using Strings = std::vector<std::string>;

std::string record(std::vector<std::string_view> fields, WriterOptions options = {}) {
  std::string out;
  append_record(fields, out, options);
  return out;
}

struct Table {
  Strings columns;
  std::vector<Strings> rows;
  std::size_t problems = 0;
  bool operator==(const Table&) const = default;
};

// Reads CSV text back through framer and row parser, fed in chunks of `chunk_size` bytes.
Table read_back(std::string_view text, std::size_t chunk_size, Dialect d) {
  CsvFramer framer(d);
  Table table;
  std::shared_ptr<const Columns> columns;
  auto handle = [&](RecordBlock block) {
    if (block.record_count == 0) return;
    if (!columns) {
      const std::size_t len = first_record_length(block.bytes, d);
      auto header = parse_header(block.bytes.substr(0, len), d);
      REQUIRE(header.ok());
      columns = *header;
      table.columns = columns->names;
      block.bytes.remove_prefix(len);
      block.first_row += 1;
      block.record_count -= 1;
    }
    const ParsedRows parsed = parse_rows(block, columns, d);
    table.problems += parsed.problems.size();
    for (std::size_t r = 0; r < parsed.rows.size(); ++r) {
      const auto row = parsed.rows.row(r);
      table.rows.emplace_back(row.begin(), row.end());
    }
  };
  for (std::size_t at = 0; at < text.size(); at += chunk_size) {
    for (const RecordBlock& block :
         framer.feed(std::make_shared<const std::string>(text.substr(at, chunk_size)))) {
      handle(block);
    }
  }
  handle(framer.finish());
  return table;
}

std::string write_table(const Table& table, const WriterOptions& options) {
  auto columns = std::make_shared<Columns>();
  columns->names = table.columns;
  RowBatch batch(columns);
  std::vector<std::string_view> views;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    views.assign(table.rows[r].begin(), table.rows[r].end());
    batch.add_row(views, r + 2);
  }
  std::string out;
  append_header(*columns, out, options);
  append_rows(batch, out, options);
  return out;
}

TEST_CASE("writer: plain fields are not quoted") {
  CHECK(record({"1", "hello", "greet"}) == "1,hello,greet\n");
  CHECK(record({" padded ", "caf\xC3\xA9"}) == " padded ,caf\xC3\xA9\n");
  CHECK(record({"a", "", "b"}) == "a,,b\n");
  CHECK(record({"", ""}) == ",\n");
}

TEST_CASE("writer: fields with delimiter, quote, CR or LF are quoted, quotes doubled") {
  CHECK(record({"a,b"}) == "\"a,b\"\n");
  CHECK(record({"say \"hi\""}) == "\"say \"\"hi\"\"\"\n");
  CHECK(record({"\""}) == "\"\"\"\"\n");
  CHECK(record({"two\nlines", "x"}) == "\"two\nlines\",x\n");
  CHECK(record({"cr\rhere"}) == "\"cr\rhere\"\n");
  CHECK(record({"crlf\r\n"}) == "\"crlf\r\n\"\n");
}

TEST_CASE("writer: a special byte is found at every position of short and long fields") {
  for (std::size_t len = 1; len <= 48; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      for (const char special : {',', '"', '\n', '\r'}) {
        std::string field(len, 'x');
        field[at] = special;
        CAPTURE(len);
        CAPTURE(at);
        const std::string out = record({field});
        CHECK(out.front() == '"');
      }
    }
    CHECK(record({std::string(len, 'x')}) == std::string(len, 'x') + "\n");
  }
}

TEST_CASE("writer: a single empty field is written as a quoted empty string") {
  CHECK(record({""}) == "\"\"\n");
  CHECK(record({}) == "\n");
}

TEST_CASE("writer: CRLF option and custom dialect") {
  WriterOptions crlf;
  crlf.crlf = true;
  CHECK(record({"a", "b"}, crlf) == "a,b\r\n");
  WriterOptions semicolon;
  semicolon.dialect = Dialect{';', '\''};
  CHECK(record({"a,b", "it's", "\"q\"", "x;y"}, semicolon) == "a,b;'it''s';\"q\";'x;y'\n");
}

TEST_CASE("writer: header and rows") {
  Table table{{"id", "utterance", "intent"}, {{"1", "hi, there", "greet"}, {"2", "ok", ""}}, 0};
  CHECK(write_table(table, {}) == "id,utterance,intent\n1,\"hi, there\",greet\n2,ok,\n");
  std::string out = "prefix|";
  RowBatch empty(std::make_shared<Columns>(Columns{{"a"}}));
  append_rows(empty, out, {});
  CHECK(out == "prefix|");
}

TEST_CASE("writer: round trip of tricky data") {
  const Table table{
      {"id", "text,with comma", "quote\"d", ""},
      {{"1", "", "\"", " lead and trail "},
       {"2", "two\nlines", "crlf\r\ninside", "lone\rcr"},
       {"3", "\"\"", ",", "\n"},
       {"4", "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80", "ab\"c", "\r"},
       {"", "", "", ""}},
      0};
  for (const bool crlf : {false, true}) {
    for (const Dialect d : {Dialect{}, Dialect{';', '\''}, Dialect{'\t', '"'}}) {
      WriterOptions options;
      options.dialect = d;
      options.crlf = crlf;
      const std::string text = write_table(table, options);
      for (const std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, text.size()}) {
        CAPTURE(crlf);
        CAPTURE(chunk);
        CHECK(read_back(text, chunk, d) == table);
      }
    }
  }
}

TEST_CASE("writer: one-column round trip keeps empty values") {
  const Table table{{"only"}, {{""}, {"x"}, {""}}, 0};
  const std::string text = write_table(table, {});
  CHECK(text == "only\n\"\"\nx\n\"\"\n");
  CHECK(read_back(text, 2, Dialect{}) == table);
}

TEST_CASE("writer: randomized round trip") {
  const std::uint32_t seed = 20240611;
  MESSAGE("random seed " << seed);
  std::mt19937 rng(seed);
  const std::string pieces[] = {"a",  "Z",  "0", " ",  ",",        "\"",           "\"\"",
                                "\n", "\r", ";", "\t", "\xC3\xA9", "\xE2\x82\xAC", "'"};
  auto random_text = [&](std::size_t max_pieces) {
    std::string s;
    const std::size_t n = rng() % (max_pieces + 1);
    for (std::size_t i = 0; i < n; ++i) s += pieces[rng() % std::size(pieces)];
    return s;
  };
  const Dialect dialects[] = {Dialect{}, Dialect{';', '\''}, Dialect{'\t', '"'}};
  for (int round = 0; round < 300; ++round) {
    Table table;
    const std::size_t width = 1 + rng() % 6;
    for (std::size_t c = 0; c < width; ++c) table.columns.push_back("c" + std::to_string(c) + random_text(3));
    const std::size_t rows = rng() % 40;
    for (std::size_t r = 0; r < rows; ++r) {
      Strings row;
      for (std::size_t c = 0; c < width; ++c) row.push_back(random_text(rng() % 4 == 0 ? 60 : 6));
      table.rows.push_back(std::move(row));
    }
    WriterOptions options;
    options.dialect = dialects[rng() % std::size(dialects)];
    options.crlf = rng() % 2 == 0;
    const std::string text = write_table(table, options);
    const std::size_t chunk = 1 + rng() % 300;
    CAPTURE(round);
    CAPTURE(chunk);
    CHECK(read_back(text, chunk, options.dialect) == table);
  }
}

}  // namespace
}  // namespace sluice::csv
