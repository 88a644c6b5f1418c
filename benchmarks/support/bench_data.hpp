#pragma once
// Data shared by the node micro-benchmarks: one generated utterance export (fixed seed), the same
// export framed and parsed the way csv_parse does it, and the ner_extract configurations of the
// two benchmark pipelines. Everything is built once, on first use, outside the timed loops.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sluice/batch.hpp"
#include "sluice/value.hpp"
#include "support/csv_framer.hpp"
#include "support/ner/entity_extractor.hpp"

namespace sluice::bench {

inline constexpr std::uint64_t kSeed = 42;
/// file_read's default chunk size: sources in the benchmarks cut their bytes the same way.
inline constexpr std::size_t kChunkSize = std::size_t{1} << 20;

/// Data rows of the generated export; set from the command line before any benchmark runs.
void set_export_rows(std::uint64_t rows);
std::uint64_t export_rows();

struct ExportData {
  std::shared_ptr<const std::string> text;  ///< the whole CSV export, header included
  std::uint64_t rows = 0;                   ///< data rows

  /// Views of kChunkSize bytes into `text`, as file_read delivers them (they share `text`).
  std::vector<ByteChunk> chunks() const;
};

/// The export as csv_parse emits it: one row batch per framed block.
struct ParsedExport {
  std::shared_ptr<const Columns> columns;
  std::vector<csv::RecordBlock> blocks;  ///< framed blocks with the header removed
  std::vector<RowBatch> batches;         ///< blocks[i] split into fields
  std::size_t text_column = 0;           ///< index of the `utterance` column
  std::uint64_t rows = 0;
  std::uint64_t text_bytes = 0;          ///< bytes of the text column over all rows
};

/// The generated export (export_rows() rows, seed kSeed), built on first call.
const ExportData& export_data();
/// export_data() framed and parsed, built on first call.
const ParsedExport& parsed_export();

/// Frames `data` in kChunkSize chunks and splits the records into rows, on this thread, exactly
/// as csv_parse does (header taken from the first record). When `out` is not null the blocks and
/// batches are kept there. Returns the data rows parsed; throws sluice::Error on a bad row.
std::uint64_t frame_and_parse(const ExportData& data, ParsedExport* out);

/// The two entity configurations the pipeline benchmark compares.
enum class NerProfile { standard, heavy };

/// "standard" or "heavy".
const char* profile_name(NerProfile profile);

/// pipelines/utterance_ner_local.yaml (standard) or benchmarks/pipelines/utterance_ner_heavy.yaml.
std::string pipeline_path(NerProfile profile);

/// Options of the `entities` node of pipelines/utterance_ner_local.yaml (standard) or
/// benchmarks/pipelines/utterance_ner_heavy.yaml (heavy): the same files pipeline_bench runs.
const Value& ner_node_options(NerProfile profile);

/// ner_node_options(profile) as an extractor configuration, with ner_extract's defaults.
nodes::ner::ExtractorConfig ner_config(NerProfile profile);

/// Builds the extractor of `config`; throws sluice::Error when it does not compile.
std::shared_ptr<const nodes::ner::EntityExtractor> make_extractor(
    const nodes::ner::ExtractorConfig& config);

/// Whether prepared rows carry the raw text of their original columns (RowBatch::raw).
enum class RawText { keep, drop };

/// parsed_export() with the standard profile's entity columns appended: with the raw text of the
/// original columns, as ner_extract emits it (the input of csv_serialize in the pipeline), or
/// without it, as a transform that changes original columns would. Built on first call.
const std::vector<RowBatch>& enriched_batches(RawText raw = RawText::keep);

/// Sum of the export bytes, for SetBytesProcessed: every benchmark reports MB/s of *input* (the
/// CSV export the rows came from), the unit of the pipeline targets.
inline std::int64_t export_bytes() { return static_cast<std::int64_t>(export_data().text->size()); }

}  // namespace sluice::bench
