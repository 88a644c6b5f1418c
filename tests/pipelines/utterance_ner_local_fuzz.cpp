// Fuzz harness for the utterance NER pipeline end to end: a CSV file from the input goes through
// the engine (file_read -> csv_parse -> ner_extract -> csv_serialize), at 1 or 2 threads, with
// on_error fail or skip and small read chunks, and the output is checked against what the
// parts, used directly, say it must be:
// - a file with no usable header, or no text column, fails the run with a message;
// - with bad rows and on_error: fail, the run fails naming the first bad row;
// - otherwise the output's header is the input's plus the ner_ columns (an input column of the
//   same name is replaced in place), and every good row comes out in order with its fields as
//   read and the entities EntityExtractor finds in its text.
// Each part is fuzzed on its own too; this checks the glue: batching, ordering, raw text kept
// through appended columns, header handling across chunks.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include "sluice/pipeline.hpp"
#include "support/csv_framer.hpp"
#include "support/csv_row_parser.hpp"
#include "support/fuzz_support.hpp"
#include "support/ner/entity_extractor.hpp"
#include "support/test_nodes.hpp"

namespace {

namespace csv = sluice::csv;
namespace ner = sluice::nodes::ner;
using sluice::fuzz::escaped;

using Row = std::vector<std::string>;

struct Table {
  bool header_ok = false;
  std::vector<std::string> columns;
  std::vector<Row> rows;              // the good ones, in order
  std::uint64_t first_bad_row = 0;    // 0 when every record is a row
};

// Reads CSV text with the parts the pipeline uses, in one piece.
Table read_table(std::string_view text) {
  Table table;
  csv::CsvFramer framer;
  std::vector<csv::RecordBlock> blocks;
  for (const auto& block : framer.feed(std::make_shared<const std::string>(text))) blocks.push_back(block);
  blocks.push_back(framer.finish());
  std::shared_ptr<const sluice::Columns> columns;
  for (auto block : blocks) {
    if (block.record_count == 0) continue;
    if (!columns) {
      const std::size_t length = csv::first_record_length(block.bytes, {});
      auto header = csv::parse_header(block.bytes.substr(0, length), {});
      if (!header.ok()) return table;
      columns = *header;
      table.header_ok = true;
      table.columns = columns->names;
      block.bytes.remove_prefix(length);
      block.record_count -= 1;
      block.first_row += 1;
      if (block.record_count == 0) continue;
    }
    const csv::ParsedRows parsed = csv::parse_rows(block, columns, {});
    if (!parsed.problems.empty() && table.first_bad_row == 0) table.first_bad_row = parsed.problems.front().row;
    for (std::size_t r = 0; r < parsed.rows.size(); ++r) {
      const auto row = parsed.rows.row(r);
      table.rows.emplace_back(row.begin(), row.end());
    }
  }
  return table;
}

const ner::EntityExtractor& extractor() {
  static const auto instance = [] {
    ner::ExtractorConfig config;
    for (const auto entity : {ner::BuiltinEntity::dates, ner::BuiltinEntity::phones,
                              ner::BuiltinEntity::emails, ner::BuiltinEntity::tickets}) {
      ner::EntityDefinition d;
      d.name = ner::builtin_entity_name(entity);
      d.builtin = entity;
      config.entities.push_back(d);
    }
    return std::move(ner::EntityExtractor::create(config)).value();
  }();
  return *instance;
}

const std::filesystem::path& input_path() {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("sluice_ner_fuzz_" + std::to_string(::getpid()) + ".csv");
  return path;
}

constexpr const char* kPipeline = R"(id: ner_fuzz
nodes:
  - id: read
    type: file_read
    options: { path: "${input}", chunk_size: 1KiB }
  - id: parse
    type: csv_parse
    input: read
    options: { on_error: "${on_error}" }
  - id: entities
    type: ner_extract
    input: parse
    options:
      text_columns: [utterance, text]
      entities: [dates, phones, emails, tickets]
  - id: serialize
    type: csv_serialize
    input: entities
  - id: out
    type: test_collect_bytes
    input: serialize
    options: { key: out }
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sluice::fuzz::FuzzInput input(data, size);
  const bool skip = input.take_bool();
  sluice::RunOptions options;
  options.threads = input.take_bool() ? 2 : 1;
  const std::string_view file = input.rest();
  {
    std::ofstream out(input_path(), std::ios::binary | std::ios::trunc);
    out.write(file.data(), static_cast<std::streamsize>(file.size()));
  }
  auto& seen = sluice::testing::observations();
  seen.clear();
  const sluice::RunReport report = sluice::testing::run_yaml(
      kPipeline, {{"input", input_path().string()}, {"on_error", skip ? "skip" : "fail"}}, options);
  const std::string where = "\"" + escaped(file) + "\" (" + (skip ? "skip" : "fail") + ", " +
                            std::to_string(options.threads) + " threads): ";

  const Table in = read_table(file);
  const sluice::Columns in_columns{in.columns};
  const std::vector<std::string> text_names = {"utterance", "text"};
  const long text_column = in.header_ok ? in_columns.find_any(text_names) : -1;
  if (!in.header_ok || text_column < 0) {
    SLUICE_FUZZ_CHECK(!report.status.ok() && !report.status.message().empty(),
                      where + "no header or text column, yet the run says " + report.status.message());
    return 0;
  }
  if (in.first_bad_row != 0 && !skip) {
    SLUICE_FUZZ_CHECK(!report.status.ok(), where + "bad row " + std::to_string(in.first_bad_row) + " passed");
    SLUICE_FUZZ_CHECK(report.status.message().find("row " + std::to_string(in.first_bad_row)) != std::string::npos,
                      where + "the error does not name row " + std::to_string(in.first_bad_row) + ": " +
                          report.status.message());
    return 0;
  }
  SLUICE_FUZZ_CHECK(report.status.ok(), where + "failed: " + report.status.message());

  // The expected output: the input's columns, then each ner_ column not already among them.
  std::vector<std::string> columns = in.columns;
  std::vector<std::size_t> entity_column;
  for (std::size_t e = 0; e < extractor().entity_count(); ++e) {
    const std::string name = "ner_" + extractor().entity_name(e);
    const auto found = std::find(columns.begin(), columns.end(), name);
    entity_column.push_back(static_cast<std::size_t>(found - columns.begin()));
    if (found == columns.end()) columns.push_back(name);
  }
  std::vector<Row> rows;
  std::vector<std::string> values(extractor().entity_count());
  for (const Row& row : in.rows) {
    Row expected = row;
    expected.resize(columns.size());
    extractor().extract(row[static_cast<std::size_t>(text_column)], values);
    for (std::size_t e = 0; e < values.size(); ++e) expected[entity_column[e]] = values[e];
    rows.push_back(std::move(expected));
  }

  const std::string output = seen.bytes["out"];
  const Table out = read_table(output);
  SLUICE_FUZZ_CHECK(out.header_ok && out.first_bad_row == 0,
                    where + "the output does not read back: \"" + escaped(output) + "\"");
  SLUICE_FUZZ_CHECK(out.columns == columns, where + "output header \"" + escaped(output, 120) + "\"");
  SLUICE_FUZZ_CHECK(out.rows.size() == rows.size(),
                    where + std::to_string(out.rows.size()) + " rows out, expected " +
                        std::to_string(rows.size()) + ": \"" + escaped(output) + "\"");
  for (std::size_t r = 0; r < rows.size(); ++r) {
    SLUICE_FUZZ_CHECK(out.rows[r] == rows[r], where + "row " + std::to_string(r + 1) +
                                                  " differs in \"" + escaped(output) + "\"");
  }
  return 0;
}
