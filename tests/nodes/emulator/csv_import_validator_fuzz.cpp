// Fuzz harness for CsvImportValidator, the emulator's check of uploaded CSV files. The first
// byte picks one:
// - any bytes: fed in pieces (cut where the input says) or at once, the verdict, the first
//   problem, the row count and the columns are the same;
// - what sluice uploads: a table taken from the input (valid UTF-8 fields, 1-4 columns), written
//   by csv_writer as csv_serialize does, must pass with its row count and column names, however
//   it is cut. Every file sluice writes must be one the platform accepts.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/csv_import_validator.hpp"
#include "support/csv_writer.hpp"
#include "support/fuzz_support.hpp"
#include "support/regex.hpp"

namespace {

using sluice::emulator::CsvImportValidator;
using sluice::fuzz::escaped;

struct Verdict {
  bool ok = false;
  std::string error;
  std::uint64_t rows = 0;
  std::vector<std::string> columns;
  bool operator==(const Verdict&) const = default;
};

Verdict validate(std::string_view file, std::uint32_t cut_seed, std::size_t max_piece) {
  CsvImportValidator validator;
  if (max_piece == 0) {
    validator.feed(file);
  } else {
    sluice::fuzz::Cuts cuts(cut_seed, max_piece);
    for (std::size_t at = 0; at < file.size();) {
      const std::size_t n = std::min(cuts.next_piece(), file.size() - at);
      validator.feed(file.substr(at, n));
      at += n;
    }
  }
  validator.finish();
  return {validator.ok(), validator.error(), validator.data_rows(), validator.columns()};
}

std::string describe(const Verdict& v) {
  return (v.ok ? "ok" : "error \"" + v.error + "\"") + ", " + std::to_string(v.rows) + " rows, " +
         std::to_string(v.columns.size()) + " columns";
}

void check_any(sluice::fuzz::FuzzInput& input) {
  const std::uint32_t seed = input.take_u32();
  const std::size_t max_piece = 1 + input.take_byte() % 32;
  const std::string_view file = input.rest();
  const Verdict whole = validate(file, 0, 0);
  const Verdict cut = validate(file, seed, max_piece);
  SLUICE_FUZZ_CHECK(whole == cut, "\"" + escaped(file) + "\" at once: " + describe(whole) +
                                      "; in pieces: " + describe(cut));
  SLUICE_FUZZ_CHECK(whole.ok == whole.error.empty(), "ok and error disagree: " + describe(whole));
}

void check_written(sluice::fuzz::FuzzInput& input) {
  const std::uint32_t seed = input.take_u32();
  const std::size_t max_piece = 1 + input.take_byte() % 32;
  sluice::csv::WriterOptions options;
  options.crlf = input.take_bool();
  const std::size_t width = 1 + input.take_choice(4);
  const std::size_t rows = input.take_choice(6);
  auto columns = std::make_shared<sluice::Columns>();
  std::vector<std::string> fields;
  for (std::size_t i = 0; i < width * (rows + 1); ++i) {
    const std::string_view field = input.take_text(16);
    if (!sluice::nodes::is_valid_utf8(field)) return;  // the platform rejects such files
    (i < width ? columns->names : fields).emplace_back(field);
  }
  sluice::RowBatch batch(columns);
  std::vector<std::string_view> row(width);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < width; ++c) row[c] = fields[r * width + c];
    batch.add_row(row, r + 2);
  }
  std::string file;
  sluice::csv::append_header(*columns, file, options);
  sluice::csv::append_rows(batch, file, options);
  const Verdict verdict = validate(file, seed, max_piece);
  SLUICE_FUZZ_CHECK(verdict.ok && verdict.rows == rows && verdict.columns == columns->names,
                    "sluice's \"" + escaped(file) + "\": " + describe(verdict));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sluice::fuzz::FuzzInput input(data, size);
  if (input.take_choice(2) == 0) {
    check_any(input);
  } else {
    check_written(input);
  }
  return 0;
}
