#pragma once
/// UtteranceGenerator: a deterministic, streaming source of realistic customer-service chat exports
/// in CSV (RFC 4180). Used by the README's first command, the throughput benchmarks and the HTTP
/// emulator, which all need the same bytes for the same seed on every platform and never want the
/// whole export in memory.
///
/// Columns: id, <text_column>, intent, locale, channel, created_at (RFC 3339 UTC, non-decreasing).
/// The text is built from per-language templates (about two thirds English, the rest German,
/// French and Spanish) whose slots produce dates in many spellings, phone numbers, e-mail
/// addresses, ticket ids and Luhn-valid card numbers, plus look-alikes that are not entities
/// (version strings, prices, times, fractions, IP addresses, order and account numbers, impossible
/// dates). Some texts contain commas, "quoted words", non-ASCII letters and emoji; about 1 in 500
/// contains a line break inside its (quoted) field. Rows average about 120 bytes.
///
/// Every row is derived from (seed, row index) alone with a small built-in PRNG, so the output does
/// not depend on the standard library, the platform or how the caller splits it into chunks.
///
/// There is no exact-size query: row lengths follow the random choices, so knowing the total means
/// generating every row (a dry run through next() costs the same as producing the bytes).

#include <cstddef>
#include <cstdint>
#include <string>

#include "sluice/status.hpp"

namespace sluice::nodes {

struct UtteranceGeneratorOptions {
  std::uint64_t rows = 1000;              ///< data rows, not counting the header
  std::uint64_t seed = 42;                ///< same seed, same bytes
  bool crlf = false;                      ///< end records (and embedded line breaks) with CR LF
  bool bom = false;                       ///< start with a UTF-8 byte order mark
  std::string text_column = "utterance";  ///< header name of the text column (quoted if needed)
};

class UtteranceGenerator {
 public:
  explicit UtteranceGenerator(UtteranceGeneratorOptions options);

  /// Appends the next bytes of the export to `out`: the BOM and header on the first call, then
  /// whole records. Stops before the appended size would pass `max_bytes`, except that each call
  /// appends at least one record while any remain (so max_bytes = 0 yields one record per call).
  /// Returns false, appending nothing, once everything has been produced.
  bool next(std::string& out, std::size_t max_bytes);

  /// Data rows appended to callers' buffers so far.
  std::uint64_t rows_written() const noexcept { return rows_written_; }

  const UtteranceGeneratorOptions& options() const noexcept { return options_; }

 private:
  void append_row(std::string& out, std::uint64_t row);
  /// Writes the 20-byte RFC 3339 created_at of `row` at `dst`; returns the end.
  char* write_timestamp(char* dst, std::uint64_t row, std::uint64_t jitter);

  UtteranceGeneratorOptions options_;
  std::uint64_t key_;               // seed mixed once; row r uses a PRNG seeded from key_ and r
  std::uint64_t next_row_ = 0;      // next row to generate
  std::uint64_t rows_written_ = 0;  // rows handed out (excludes pending_)
  bool header_done_ = false;
  std::string pending_;           // a generated record that did not fit the previous call
  std::string text_;              // scratch for the utterance before CSV quoting
  std::int64_t cached_day_ = -1;  // day number whose "YYYY-MM-DD" is in cached_date_
  char cached_date_[10] = {};
};

/// The whole export as one string; meant for tests and small samples.
std::string generate_utterance_export(const UtteranceGeneratorOptions& options);

/// Writes the export to `path` durably through sluice::DurableFile: a temporary file beside `path`,
/// fsync, rename over `path`, fsync of the directory. Memory stays bounded (chunks of 256 KiB). On
/// failure the temporary file is removed, `path` keeps its old content, and the error (io_error;
/// invalid_argument for an empty path) names `path`.
Status write_utterance_export(const std::string& path, const UtteranceGeneratorOptions& options);

}  // namespace sluice::nodes
