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

// Parses `text` (data rows only, no header) as csv_parse does, so the rows keep their raw text,
// then appends `extra` columns to every row the way ner_extract does (raw text kept).
RowBatch parse_and_extend(const std::shared_ptr<const std::string>& text, std::size_t width,
                          const std::vector<Strings>& extra, Dialect d) {
  auto columns = std::make_shared<Columns>();
  for (std::size_t c = 0; c < width; ++c) columns->names.push_back("c" + std::to_string(c));
  RecordBlock block;
  block.owner = text;
  block.bytes = *text;
  block.first_row = 2;
  block.first_line = 2;
  ParsedRows parsed = parse_rows(block, columns, d);
  REQUIRE(parsed.problems.empty());
  REQUIRE(parsed.rows.has_raw());
  REQUIRE(parsed.rows.size() == extra.size());
  auto extended_columns = std::make_shared<Columns>(*columns);
  const std::size_t added = extra.empty() ? 0 : extra[0].size();
  for (std::size_t c = 0; c < added; ++c) extended_columns->names.push_back("e" + std::to_string(c));
  RowBatch out(extended_columns);
  out.keep_alive_all(parsed.rows);
  out.set_raw_layout(parsed.rows.raw_width(), parsed.rows.raw_delimiter(), parsed.rows.raw_quote());
  for (std::size_t r = 0; r < parsed.rows.size(); ++r) {
    std::vector<std::string_view> fields(parsed.rows.row(r).begin(), parsed.rows.row(r).end());
    for (const std::string& value : extra[r]) fields.push_back(out.arena().store(value));
    out.add_row(fields, parsed.rows.row_number(r), parsed.rows.raw(r));
  }
  return out;
}

TEST_CASE("writer: raw text is copied as read and added columns are written after it") {
  auto text = std::make_shared<const std::string>(
      "1,\"a,b\"\r\n2,\"x\"\"y\nz\"\n\"3\",plain\n4,last");
  const RowBatch rows =
      parse_and_extend(text, 2, {{"", "q,\"r"}, {"e", ""}, {"", ""}, {"\n", "x"}}, Dialect{});
  std::string out;
  append_rows(rows, out, {});
  CHECK(out ==
        "1,\"a,b\",,\"q,\"\"r\"\n"
        "2,\"x\"\"y\nz\",e,\n"
        "\"3\",plain,,\n"
        "4,last,\"\n\",x\n");
  WriterOptions crlf;
  crlf.crlf = true;
  out.clear();
  append_rows(rows, out, crlf);
  CHECK(out ==
        "1,\"a,b\",,\"q,\"\"r\"\r\n"
        "2,\"x\"\"y\nz\",e,\r\n"
        "\"3\",plain,,\r\n"
        "4,last,\"\n\",x\r\n");
  // Another dialect cannot reuse the raw text: every field is written again.
  WriterOptions semicolon;
  semicolon.dialect = Dialect{';', '"'};
  out.clear();
  append_rows(rows, out, semicolon);
  CHECK(out ==
        "1;a,b;;\"q,\"\"r\"\n"
        "2;\"x\"\"y\nz\";e;\n"
        "3;plain;;\n"
        "4;last;\"\n\";x\n");
}

TEST_CASE("writer: records and added values larger than the write buffer") {
  std::string big;
  for (int i = 0; i < 700; ++i) big += "ab,\"c";  // 3500 bytes, quoted to 4202
  const std::string quoted_big = [&] {
    std::string q = "\"";
    for (const char c : big) {
      q += c;
      if (c == '"') q += '"';
    }
    return q + "\"";
  }();
  CHECK(record({"1", big, "x"}) == "1," + quoted_big + ",x\n");
  const Table table{{"a", "b"}, {{"1", big}, {big, ""}, {"2", "3"}}, 0};
  CHECK(write_table(table, {}) ==
        "a,b\n1," + quoted_big + "\n" + quoted_big + ",\n2,3\n");
  // Raw text path: a row whose added values may not fit the write buffer goes to the string
  // directly.
  auto text = std::make_shared<const std::string>("1,x\n2,\"y\"\n");
  const RowBatch rows = parse_and_extend(text, 2, {{big, ""}, {"", "z"}}, Dialect{});
  std::string out;
  append_rows(rows, out, {});
  CHECK(out == "1,x," + quoted_big + ",\n2,\"y\",,z\n");
  CHECK(read_back("a,b,c,d\n" + out, 5, Dialect{}) ==
        Table{{"a", "b", "c", "d"}, {{"1", "x", big, ""}, {"2", "y", "", "z"}}, 0});
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

TEST_CASE("writer: a first field that starts with a byte order mark is quoted") {
  // Written first in a file, it would be read back as the file's BOM and lose those bytes.
  const std::string bom = "\xEF\xBB\xBF";
  CHECK(record({bom + "id", "x"}) == "\"" + bom + "id\",x\n");
  CHECK(record({"x", bom + "id"}) == "x," + bom + "id\n");
  const Table table{{bom + "id", "text"}, {{bom + "1", "a"}}, 0};
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{64}}) {
    CHECK(read_back(write_table(table, {}), chunk, Dialect{}) == table);
  }
  // Raw text starting with one is written field by field instead of copied.
  auto text = std::make_shared<const std::string>(bom + "1,a\n2,b\n");
  const RowBatch rows = parse_and_extend(text, 2, {{"e"}, {"f"}}, Dialect{});
  std::string out;
  append_rows(rows, out, {});
  CHECK(out == "\"" + bom + "1\",a,e\n2,b,f\n");
}

TEST_CASE("writer: raw text whose last field ends with a CR is written field by field") {
  // "c\r" is data (a CR not before an LF); copied as read, the terminator after it would make a
  // CRLF and the CR would be lost. With columns added after it, the raw text can be copied.
  auto text = std::make_shared<const std::string>("1,c\r\r\n2,d\n");
  const RowBatch rows = parse_and_extend(text, 2, {{}, {}}, Dialect{});
  REQUIRE(rows.field(0, 1) == "c\r");
  std::string out;
  append_rows(rows, out, {});
  CHECK(out == "1,\"c\r\"\n2,d\n");
  const RowBatch extended = parse_and_extend(text, 2, {{"e"}, {"f"}}, Dialect{});
  out.clear();
  append_rows(extended, out, {});
  CHECK(out == "1,c\r,e\n2,d,f\n");
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

TEST_CASE("writer: randomized round trip through the raw text path") {
  const std::uint32_t seed = 20251122;
  MESSAGE("random seed " << seed);
  std::mt19937 rng(seed);
  const std::string pieces[] = {"a", "Z", " ", ",", "\"", "\"\"", "\n", "\r", ";", "\xC3\xA9",
                                std::string(40, 'w')};
  auto random_text = [&](std::size_t max_pieces) {
    std::string s;
    const std::size_t n = rng() % (max_pieces + 1);
    for (std::size_t i = 0; i < n; ++i) s += pieces[rng() % std::size(pieces)];
    return s;
  };
  for (int round = 0; round < 200; ++round) {
    Table table;
    const std::size_t width = 1 + rng() % 4;
    const std::size_t added = rng() % 4;
    for (std::size_t c = 0; c < width; ++c) table.columns.push_back("c" + std::to_string(c));
    for (std::size_t c = 0; c < added; ++c) table.columns.push_back("e" + std::to_string(c));
    Table original{Strings(table.columns.begin(), table.columns.begin() + static_cast<long>(width)),
                   {}, 0};
    std::vector<Strings> extra;
    const std::size_t rows = 1 + rng() % 30;
    for (std::size_t r = 0; r < rows; ++r) {
      Strings row;
      for (std::size_t c = 0; c < width + added; ++c) row.push_back(random_text(5));
      original.rows.emplace_back(row.begin(), row.begin() + static_cast<long>(width));
      extra.emplace_back(row.begin() + static_cast<long>(width), row.end());
      table.rows.push_back(std::move(row));
    }
    WriterOptions options;
    options.crlf = rng() % 2 == 0;
    const std::string written = write_table(original, options);
    // Data rows only: parse_and_extend has no header to skip.
    const std::size_t header = written.find('\n') + 1;
    const RowBatch rows_with_raw =
        parse_and_extend(std::make_shared<const std::string>(written.substr(header)), width, extra,
                         options.dialect);
    std::string text;
    append_header(*rows_with_raw.columns(), text, options);
    append_rows(rows_with_raw, text, options);
    CAPTURE(round);
    CHECK(read_back(text, 1 + rng() % 200, options.dialect) == table);
    // csv_serialize writes into a pooled string: the same bytes.
    block_pool::String pooled;
    append_header(*rows_with_raw.columns(), pooled, options);
    append_rows(rows_with_raw, pooled, options);
    CHECK(std::string_view(pooled) == text);
  }
}

}  // namespace
}  // namespace sluice::csv
