#include "emulator/csv_import_validator.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "support/utterance_generator.hpp"

using sluice::emulator::CsvImportValidator;

namespace {

/// Feeds `csv` in pieces of `piece` bytes (0: all at once) and finishes.
CsvImportValidator check(std::string_view csv, std::size_t piece = 0) {
  CsvImportValidator validator;
  if (piece == 0) piece = csv.size() + 1;
  for (std::size_t i = 0; i < csv.size(); i += piece) validator.feed(csv.substr(i, piece));
  validator.finish();
  return validator;
}

}  // namespace

TEST_CASE("CsvImportValidator: counts data rows of well-formed files, however they are split") {
  struct Case {
    std::string_view csv;
    std::uint64_t rows;
  };
  const std::vector<Case> cases = {
      {"a,b\n1,2\n3,4\n", 2},
      {"a,b\n1,2\n3,4", 2},                    // no final terminator
      {"a,b\r\n1,2\r\n3,4\r\n", 2},            // CRLF
      {"a,b\n1,2\r\n3,4\n", 2},                // mixed
      {"a,b\n\"x,\"\"y\"\"\n\r\nz\",2\n", 1},  // quoted comma, quotes, LF and CRLF
      {"a\n\"\"\n", 1},                        // an empty quoted field is not a blank line
      {"a,b\n,\n", 1},                         // two empty fields
      {"a\nx\ry\n", 1},                        // a lone CR is data
      {"a\nx\r", 1},                           // a CR at the very end ends the record
      {"\xEF\xBB\xBFid\n1\n", 1},              // BOM
      {"h\xC3\xA9\n\xF0\x9F\x98\x80\n", 1},    // UTF-8
      {"only,header\n", 0},
  };
  for (const auto& c : cases) {
    for (std::size_t piece : {0, 1, 2, 3}) {
      CAPTURE(c.csv);
      CAPTURE(piece);
      const auto v = check(c.csv, piece);
      CHECK_MESSAGE(v.ok(), v.error());
      CHECK(v.data_rows() == c.rows);
    }
  }
}

TEST_CASE("CsvImportValidator: the header's column names") {
  const auto v = check("\xEF\xBB\xBFid,\"the \"\"text\"\"\",,ner_dates\n1,2,3,4\n", 2);
  REQUIRE(v.ok());
  CHECK(v.columns() == std::vector<std::string>{"id", "the \"text\"", "", "ner_dates"});
}

TEST_CASE("CsvImportValidator: problems name the row") {
  struct Case {
    std::string_view csv;
    std::string_view error;
  };
  const std::vector<Case> cases = {
      {"a,b\n1,2\n3\n", "row 3 (data row 2): expected 2 fields, found 1"},
      {"a,b\n1,2,3\n", "row 2 (data row 1): expected 2 fields, found 3"},
      {"a,b\n1,2\n\n3,4\n", "row 3 (data row 2): blank line"},
      {"a,b\n1,2\r\n\r\n", "row 3 (data row 2): blank line"},
      {"a,b\n1,2\n\n", "row 3 (data row 2): blank line"},
      {"\na\n", "row 1 (header): blank line"},
      {"", "row 1 (header): the file is empty: a header row is required"},
      {"a\n\"open\n", "row 2 (data row 1): quoted field 1 is not closed before end of file"},
      {"a,b\n\"x\"y,2\n", "row 2 (data row 1): unexpected 'y' after the closing quote of field 1"},
      {"a,b\n\"x\"\rz,2\n",
       "row 2 (data row 1): unexpected byte 0x0D after the closing quote of field 1"},
      {"a,b\n1,x\"y\n",
       "row 2 (data row 1): a quote inside unquoted field 2 (a field holding a quote must be "
       "quoted)"},
      {"a\n\xC3\x28\n", "row 2 (data row 1): invalid UTF-8 at byte offset 3 of the file"},
      {"a\n\xED\xA0\x80\n", "row 2 (data row 1): invalid UTF-8 at byte offset 3 of the file"},
      {"a\n\xC3", "row 2 (data row 1): invalid UTF-8: the file ends inside a multi-byte sequence"},
  };
  for (const auto& c : cases) {
    for (std::size_t piece : {0, 1}) {
      CAPTURE(c.csv);
      CAPTURE(piece);
      const auto v = check(c.csv, piece);
      CHECK_FALSE(v.ok());
      CHECK(v.error() == c.error);
    }
  }
}

TEST_CASE("CsvImportValidator: the first problem is kept and counting stops there") {
  const auto v = check("a,b\n1,2\n3\n4,5\n\n");
  CHECK(v.error() == "row 3 (data row 2): expected 2 fields, found 1");
  CHECK(v.data_rows() == 1);
}

TEST_CASE("CsvImportValidator: the utterance generator's exports are valid, rows counted exactly") {
  for (bool crlf : {false, true}) {
    sluice::nodes::UtteranceGeneratorOptions options;
    options.rows = 3000;  // enough to include fields with line breaks inside quotes
    options.crlf = crlf;
    options.bom = crlf;
    const auto v = check(sluice::nodes::generate_utterance_export(options), 4093);
    CHECK_MESSAGE(v.ok(), v.error());
    CHECK(v.data_rows() == 3000);
    CHECK(v.columns().size() == 6);
  }
}
