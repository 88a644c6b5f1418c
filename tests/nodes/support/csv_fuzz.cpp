// Fuzz harness for CSV reading and writing: CsvFramer, parse_header, parse_rows and csv_writer.
//
// The input picks a dialect, where to cut the stream into chunks and whether to write CRLF; the
// rest is the CSV text. Each input is checked against a plain byte-by-byte model of the rules in
// csv_framer.hpp and csv_row_parser.hpp (no SIMD, no chunks, no copies avoided), so a difference
// is a bug in one or the other:
// - the framer returns every byte after the BOM exactly once, in order, however the stream is
//   cut, with the model's record count, row and line numbers and unclosed-quote flag;
// - the header is accepted exactly when the model accepts it;
// - each data record becomes a row with the model's fields and raw text, or a problem with the
//   model's reason, row and line;
// - writing the rows (with and without their raw text) and reading the output back gives the same
//   fields.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "support/csv_framer.hpp"
#include "support/csv_row_parser.hpp"
#include "support/csv_writer.hpp"
#include "support/fuzz_support.hpp"

namespace {

using sluice::fuzz::escaped;
namespace csv = sluice::csv;

// ---- the model ----

struct ModelRecord {
  std::string_view bytes;  // with its terminator, if it has one
  std::uint64_t line = 0;  // 1-based physical line where it starts
};

struct ModelStream {
  std::size_t bom = 0;  // bytes of a removed BOM
  std::vector<ModelRecord> records;
  bool unterminated_quote = false;  // the stream ended inside a quoted field
};

ModelStream model_frame(std::string_view stream, const csv::Dialect& d) {
  ModelStream out;
  if (stream.substr(0, 3) == "\xEF\xBB\xBF") {
    out.bom = 3;
    stream.remove_prefix(3);
  }
  std::size_t record_start = 0;
  std::uint64_t line = 1;
  std::uint64_t record_line = 1;
  bool field_start = true;
  bool in_quotes = false;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    const char c = stream[i];
    if (c == '\n') ++line;
    if (in_quotes) {
      if (c == d.quote) {
        if (i + 1 < stream.size() && stream[i + 1] == d.quote) {
          ++i;  // "" stands for one quote
        } else {
          in_quotes = false;
        }
      }
      continue;
    }
    if (c == d.quote && field_start) {
      in_quotes = true;
      field_start = false;
      continue;
    }
    if (c == '\n') {
      out.records.push_back({stream.substr(record_start, i + 1 - record_start), record_line});
      record_start = i + 1;
      record_line = line;
      field_start = true;
      continue;
    }
    field_start = c == d.delimiter;
  }
  if (record_start < stream.size()) {
    out.records.push_back({stream.substr(record_start), record_line});
    out.unterminated_quote = in_quotes;
  }
  return out;
}

struct ModelRow {
  std::vector<std::string> fields;
  std::string_view raw;  // the record without its terminator
  std::string flaw;      // empty, or the reason the record cannot be a row at any width
  bool blank = false;
};

std::string describe_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (c == '\r') return "'\\r'";
  if (c == '\t') return "'\\t'";
  if (byte >= 0x20 && byte < 0x7F) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0xF];
}

// `last_in_stream`: the stream's final record; `unclosed`: the stream ended inside its quotes, so
// none of its bytes is a terminator.
ModelRow model_split(std::string_view record, bool last_in_stream, bool unclosed,
                     const csv::Dialect& d) {
  ModelRow row;
  std::string_view text = record;
  if (unclosed) {
    // all data
  } else if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  } else if (last_in_stream && !text.empty() && text.back() == '\r') {
    text.remove_suffix(1);  // a CR at the very end of the input ends the record
  }
  row.raw = text;
  if (text.empty()) {
    row.blank = true;
    row.fields.emplace_back();
    return row;
  }
  std::size_t i = 0;
  while (true) {
    std::string field;
    if (i < text.size() && text[i] == d.quote) {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == d.quote) {
          if (i + 1 < text.size() && text[i + 1] == d.quote) {
            field += d.quote;
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field += text[i++];
      }
      if (!closed) {
        row.flaw = "quoted field is not closed before end of file";
        return row;
      }
      if (i < text.size() && text[i] != d.delimiter) {
        if (row.flaw.empty()) {
          row.flaw = "unexpected character " + describe_char(text[i]) +
                     " after closing quote in field " + std::to_string(row.fields.size() + 1);
        }
        // Junk: skip to the next delimiter, as an unquoted field would run.
        while (i < text.size() && text[i] != d.delimiter) ++i;
      }
    } else {
      while (i < text.size() && text[i] != d.delimiter) field += text[i++];
    }
    row.fields.push_back(std::move(field));
    if (i >= text.size()) break;
    ++i;  // the delimiter; a delimiter at the end is followed by one more, empty, field
    if (i == text.size()) {
      row.fields.emplace_back();
      break;
    }
  }
  return row;
}

std::string model_reason(const ModelRow& row, std::size_t width) {
  if (!row.flaw.empty()) return row.flaw;
  if (row.blank) return "blank line";
  if (row.fields.size() != width) {
    return "expected " + std::to_string(width) + " field" + (width == 1 ? "" : "s") + ", found " +
           std::to_string(row.fields.size());
  }
  return {};
}

// ---- what the code under test returned ----

struct Outcome {
  std::uint64_t row = 0;
  std::uint64_t line = 0;
  std::vector<std::string> fields;  // a row's
  std::string raw;                  // a row's raw text, or a problem's
  std::string reason;               // empty for a row
};

std::string describe(const std::vector<std::string>& fields) {
  std::string out = "[";
  for (const auto& f : fields) out += "\"" + escaped(f, 40) + "\" ";
  return out + "]";
}

std::vector<std::string> row_fields(const sluice::RowBatch& rows, std::size_t i) {
  std::vector<std::string> out;
  for (const auto field : rows.row(i)) out.emplace_back(field);
  return out;
}

// Reads `text` back (one chunk) with the given columns; every record must become a row.
std::vector<std::vector<std::string>> read_back(const std::string& text,
                                                const std::shared_ptr<const sluice::Columns>& columns,
                                                const csv::Dialect& d) {
  csv::CsvFramer framer(d);
  std::vector<csv::RecordBlock> blocks;
  for (auto& block : framer.feed(std::make_shared<const std::string>(text))) blocks.push_back(block);
  blocks.push_back(framer.finish());
  std::vector<std::vector<std::string>> out;
  for (const auto& block : blocks) {
    const csv::ParsedRows parsed = csv::parse_rows(block, columns, d);
    SLUICE_FUZZ_CHECK(parsed.problems.empty(),
                      "written CSV read back with a problem: " + parsed.problems.front().reason +
                          " in \"" + escaped(text) + "\"");
    for (std::size_t i = 0; i < parsed.rows.size(); ++i) out.push_back(row_fields(parsed.rows, i));
  }
  return out;
}

constexpr char kDelimiters[] = {',', ';', '\t', '|', ' '};
constexpr char kQuotes[] = {'"', '\'', '`'};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sluice::fuzz::FuzzInput input(data, size);
  csv::Dialect dialect;
  dialect.delimiter = kDelimiters[input.take_choice(sizeof kDelimiters)];
  dialect.quote = kQuotes[input.take_choice(sizeof kQuotes)];
  const std::size_t max_piece = 1 + input.take_byte() % 64;
  sluice::fuzz::Cuts cuts(input.take_u32(), max_piece);
  const bool crlf = input.take_bool();
  const std::string_view stream = input.rest();

  const ModelStream model = model_frame(stream, dialect);

  // ---- framing, in pieces ----
  csv::CsvFramer framer(dialect);
  std::vector<csv::RecordBlock> blocks;
  for (std::size_t at = 0; at < stream.size();) {
    const std::size_t n = std::min(cuts.next_piece(), stream.size() - at);
    auto piece = std::make_shared<const std::string>(stream.substr(at, n));
    for (const auto& block : framer.feed(piece)) blocks.push_back(block);
    at += n;
  }
  const csv::RecordBlock last = framer.finish();
  SLUICE_FUZZ_CHECK(last.unterminated_quote == model.unterminated_quote,
                    "unterminated_quote " + std::to_string(last.unterminated_quote));
  blocks.push_back(last);

  std::string framed;
  std::uint64_t next_row = 1;
  std::uint64_t offset = model.bom;
  for (const auto& block : blocks) {
    if (block.record_count == 0) {
      SLUICE_FUZZ_CHECK(block.bytes.empty(), "bytes in a block of no records");
      continue;
    }
    SLUICE_FUZZ_CHECK(block.first_row == next_row,
                      "block first_row " + std::to_string(block.first_row) + ", expected " +
                          std::to_string(next_row));
    SLUICE_FUZZ_CHECK(block.first_row - 1 < model.records.size(), "more records than the model");
    SLUICE_FUZZ_CHECK(block.first_line == model.records[block.first_row - 1].line,
                      "block first_line " + std::to_string(block.first_line) + ", expected " +
                          std::to_string(model.records[block.first_row - 1].line));
    SLUICE_FUZZ_CHECK(block.byte_offset == offset,
                      "block byte_offset " + std::to_string(block.byte_offset) + ", expected " +
                          std::to_string(offset));
    framed += block.bytes;
    next_row += block.record_count;
    offset += block.bytes.size();
  }
  SLUICE_FUZZ_CHECK(framed == stream.substr(model.bom),
                    "framed bytes differ from the stream: \"" + escaped(framed) + "\"");
  SLUICE_FUZZ_CHECK(next_row - 1 == model.records.size(),
                    std::to_string(next_row - 1) + " records framed, the model has " +
                        std::to_string(model.records.size()));
  if (model.records.empty()) return 0;

  // ---- the header, then the rows (as the csv_parse node splits them) ----
  const ModelRow header_model = model_split(model.records[0].bytes, model.records.size() == 1,
                                              model.records.size() == 1 && model.unterminated_quote, dialect);
  bool header_ok = header_model.flaw.empty() && !header_model.blank;
  if (header_ok) {
    std::set<std::string> names(header_model.fields.begin(), header_model.fields.end());
    header_ok = names.size() == header_model.fields.size();
  }
  std::shared_ptr<const sluice::Columns> columns;
  std::vector<Outcome> outcomes;
  for (auto block : blocks) {
    if (block.record_count == 0) continue;
    if (!columns) {
      const std::size_t length = csv::first_record_length(block.bytes, dialect);
      SLUICE_FUZZ_CHECK(length == model.records[0].bytes.size(),
                        "first_record_length " + std::to_string(length) + ", expected " +
                            std::to_string(model.records[0].bytes.size()));
      auto header = csv::parse_header(block.bytes.substr(0, length), dialect);
      SLUICE_FUZZ_CHECK(header.ok() == header_ok,
                        "header \"" + escaped(model.records[0].bytes) + "\" accepted: " +
                            std::to_string(header.ok()) +
                            (header.ok() ? std::string() : " (" + header.status().message() + ")"));
      if (!header_ok) return 0;
      columns = std::move(header).value();
      SLUICE_FUZZ_CHECK(columns->names == header_model.fields,
                        "header fields " + describe(columns->names) + ", expected " +
                            describe(header_model.fields));
      const std::string_view header_bytes = block.bytes.substr(0, length);
      block.first_line += static_cast<std::uint64_t>(
          std::count(header_bytes.begin(), header_bytes.end(), '\n'));
      block.bytes.remove_prefix(length);
      block.record_count -= 1;
      block.first_row += 1;
      if (block.record_count == 0) continue;
    }
    const csv::ParsedRows parsed = csv::parse_rows(block, columns, dialect);
    std::uint64_t field_bytes = 0;
    // Rows and problems each come in record order; merge them by row number.
    std::size_t r = 0;
    std::size_t p = 0;
    while (r < parsed.rows.size() || p < parsed.problems.size()) {
      const bool take_row = p == parsed.problems.size() ||
                            (r < parsed.rows.size() &&
                             parsed.rows.row_number(r) < parsed.problems[p].row);
      Outcome o;
      if (take_row) {
        o.row = parsed.rows.row_number(r);
        o.fields = row_fields(parsed.rows, r);
        o.raw = std::string(parsed.rows.raw(r));
        for (const auto& f : o.fields) field_bytes += f.size();
        ++r;
      } else {
        const auto& problem = parsed.problems[p++];
        o.row = problem.row;
        o.line = problem.line;
        o.raw = problem.raw;
        o.reason = problem.reason;
        SLUICE_FUZZ_CHECK(!o.reason.empty(), "a problem without a reason");
      }
      outcomes.push_back(std::move(o));
    }
    SLUICE_FUZZ_CHECK(parsed.rows.field_bytes() == field_bytes,
                      "field_bytes " + std::to_string(parsed.rows.field_bytes()) + ", fields hold " +
                          std::to_string(field_bytes));

    // ---- writing the rows and reading them back ----
    if (parsed.rows.empty()) continue;
    std::vector<std::vector<std::string>> expected;
    for (std::size_t i = 0; i < parsed.rows.size(); ++i) expected.push_back(row_fields(parsed.rows, i));
    const csv::WriterOptions options{dialect, crlf};
    std::string with_raw;
    csv::append_rows(parsed.rows, with_raw, options);
    SLUICE_FUZZ_CHECK(read_back(with_raw, columns, dialect) == expected,
                      "rows written with raw text read back differently: \"" + escaped(with_raw) + "\"");
    sluice::RowBatch plain(columns);
    for (std::size_t i = 0; i < parsed.rows.size(); ++i) plain.add_row(parsed.rows.row(i), 0);
    plain.keep_alive_all(parsed.rows);
    std::string without_raw;
    csv::append_rows(plain, without_raw, options);
    SLUICE_FUZZ_CHECK(read_back(without_raw, columns, dialect) == expected,
                      "rows written field by field read back differently: \"" +
                          escaped(without_raw) + "\"");
  }

  // ---- every data record, against the model ----
  const std::size_t width = columns->names.size();
  SLUICE_FUZZ_CHECK(outcomes.size() == model.records.size() - 1,
                    std::to_string(outcomes.size()) + " data records, the model has " +
                        std::to_string(model.records.size() - 1));
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const ModelRecord& record = model.records[i + 1];
    const bool last_record = i + 2 == model.records.size();
    const ModelRow expected =
        model_split(record.bytes, last_record, last_record && model.unterminated_quote, dialect);
    const std::string reason = model_reason(expected, width);
    const Outcome& got = outcomes[i];
    const std::string where = "row " + std::to_string(i + 2) + " \"" + escaped(record.bytes) + "\": ";
    SLUICE_FUZZ_CHECK(got.row == i + 2, where + "numbered " + std::to_string(got.row));
    SLUICE_FUZZ_CHECK(got.reason == reason,
                      where + "reason \"" + got.reason + "\", expected \"" + reason + "\"");
    if (reason.empty()) {
      SLUICE_FUZZ_CHECK(got.fields == expected.fields,
                        where + "fields " + describe(got.fields) + ", expected " +
                            describe(expected.fields));
      SLUICE_FUZZ_CHECK(got.raw == expected.raw, where + "raw \"" + escaped(got.raw) + "\"");
    } else {
      SLUICE_FUZZ_CHECK(got.line == record.line,
                        where + "line " + std::to_string(got.line) + ", expected " +
                            std::to_string(record.line));
      const std::string_view raw = expected.raw.substr(0, csv::kMaxProblemRawBytes);
      SLUICE_FUZZ_CHECK(raw.substr(0, got.raw.size()) == got.raw && raw.size() - got.raw.size() < 4,
                        where + "problem raw \"" + escaped(got.raw) + "\"");
    }
  }
  return 0;
}
