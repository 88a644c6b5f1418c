#include "support/bench_data.hpp"

#include <algorithm>
#include <mutex>

#include "sluice/pipeline_spec.hpp"
#include "sluice/status.hpp"
#include "support/csv_row_parser.hpp"
#include "support/utterance_generator.hpp"

namespace sluice::bench {

namespace {

std::uint64_t g_export_rows = 200'000;

Value load_entities_options(NerProfile profile) {
  const std::string path = pipeline_path(profile);
  LoadOptions load;
  load.variables = {{"input", "unused.csv"}, {"output", "unused.csv"}};
  load.use_environment = false;
  auto spec = load_pipeline_file(path, load);
  if (!spec) throw Error(spec.status().with_context(path));
  for (const NodeSpec& node : spec->nodes) {
    if (node.type == "ner_extract") return node.options;
  }
  throw Error(StatusCode::invalid_argument, path + ": no ner_extract node");
}

std::vector<std::string> string_list(const Value* value, std::vector<std::string> fallback) {
  if (value == nullptr || value->is_null()) return fallback;
  if (value->is_scalar()) return {value->text()};
  std::vector<std::string> out;
  for (const Value& item : value->items()) out.push_back(item.text());
  return out;
}

bool yaml_true(const Value* value) {
  if (value == nullptr) return false;
  const std::string& text = value->text();
  return text == "true" || text == "yes" || text == "on";
}

std::vector<RowBatch> enrich(const ParsedExport& parsed,
                             const nodes::ner::EntityExtractor& extractor, bool keep_raw) {
  auto columns = std::make_shared<Columns>(*parsed.columns);
  for (std::size_t e = 0; e < extractor.entity_count(); ++e) {
    columns->names.push_back("ner_" + extractor.entity_name(e));
  }
  const std::shared_ptr<const Columns> out_columns = std::move(columns);
  const std::size_t width = out_columns->names.size();
  std::vector<std::string> values(extractor.entity_count());
  std::vector<std::string_view> fields(width);
  std::vector<RowBatch> out;
  out.reserve(parsed.batches.size());
  for (const RowBatch& in : parsed.batches) {
    RowBatch batch(out_columns);
    batch.keep_alive_all(in);
    // Appending columns keeps the raw text of the original ones, as ner_extract does.
    if (keep_raw && in.has_raw()) {
      batch.set_raw_layout(in.raw_width(), in.raw_delimiter(), in.raw_quote());
    }
    batch.reserve(in.size());
    for (std::size_t r = 0; r < in.size(); ++r) {
      const auto row = in.row(r);
      std::copy(row.begin(), row.end(), fields.begin());
      extractor.extract(row[parsed.text_column], values);
      for (std::size_t e = 0; e < values.size(); ++e) {
        fields[row.size() + e] = batch.arena().store(values[e]);
      }
      if (batch.has_raw()) {
        batch.add_row(fields, in.row_number(r), in.raw(r));
      } else {
        batch.add_row(fields, in.row_number(r));
      }
    }
    out.push_back(std::move(batch));
  }
  return out;
}

}  // namespace

void set_export_rows(std::uint64_t rows) { g_export_rows = rows; }
std::uint64_t export_rows() { return g_export_rows; }

std::vector<ByteChunk> ExportData::chunks() const {
  std::vector<ByteChunk> out;
  const std::string_view all(*text);
  for (std::size_t at = 0; at < all.size(); at += kChunkSize) {
    out.push_back(ByteChunk{text, all.substr(at, kChunkSize)});
  }
  return out;
}

const ExportData& export_data() {
  static const ExportData data = [] {
    nodes::UtteranceGeneratorOptions options;
    options.rows = g_export_rows;
    options.seed = kSeed;
    ExportData out;
    out.text = std::make_shared<const std::string>(nodes::generate_utterance_export(options));
    out.rows = g_export_rows;
    return out;
  }();
  return data;
}

std::uint64_t frame_and_parse(const ExportData& data, ParsedExport* out) {
  const csv::Dialect dialect;
  csv::CsvFramer framer(dialect);
  std::shared_ptr<const Columns> columns;
  std::uint64_t rows = 0;
  auto take = [&](csv::RecordBlock block) {
    if (!columns && block.record_count > 0) {
      // The header is the first record, as in csv_parse's framing step.
      const std::size_t length = csv::first_record_length(block.bytes, dialect);
      auto header = csv::parse_header(block.bytes.substr(0, length), dialect);
      if (!header) throw Error(header.status());
      columns = std::move(header).value();
      block.bytes.remove_prefix(length);
      block.byte_offset += length;
      block.record_count -= 1;
      block.first_row += 1;
      block.first_line += 1;
    }
    if (block.record_count == 0) return;
    csv::ParsedRows parsed = csv::parse_rows(block, columns, dialect);
    if (!parsed.problems.empty()) {
      throw Error(StatusCode::data_error, "row " + std::to_string(parsed.problems[0].row) + ": " +
                                              parsed.problems[0].reason);
    }
    rows += parsed.rows.size();
    if (out != nullptr) {
      out->blocks.push_back(block);
      out->batches.push_back(std::move(parsed.rows));
    }
  };
  const std::string_view all(*data.text);
  for (std::size_t at = 0; at < all.size(); at += kChunkSize) {
    for (const csv::RecordBlock& block : framer.feed(data.text, all.substr(at, kChunkSize))) {
      take(block);
    }
  }
  take(framer.finish());
  if (out != nullptr) {
    out->columns = columns;
    out->rows = rows;
  }
  return rows;
}

const ParsedExport& parsed_export() {
  static const ParsedExport parsed = [] {
    ParsedExport out;
    frame_and_parse(export_data(), &out);
    const std::vector<std::string> names = {"utterance", "text"};
    const long text = out.columns->find_any(names);
    if (text < 0) throw Error(StatusCode::data_error, "generated export has no utterance column");
    out.text_column = static_cast<std::size_t>(text);
    for (const RowBatch& batch : out.batches) {
      for (std::size_t r = 0; r < batch.size(); ++r) {
        out.text_bytes += batch.field(r, out.text_column).size();
      }
    }
    return out;
  }();
  return parsed;
}

std::string pipeline_path(NerProfile profile) {
  return profile == NerProfile::standard
             ? std::string(SLUICE_SOURCE_DIR) + "/pipelines/utterance_ner_local.yaml"
             : std::string(SLUICE_BENCH_SOURCE_DIR) + "/pipelines/utterance_ner_heavy.yaml";
}

const char* profile_name(NerProfile profile) {
  return profile == NerProfile::standard ? "standard" : "heavy";
}

const Value& ner_node_options(NerProfile profile) {
  static std::once_flag once;
  static Value options[2];
  std::call_once(once, [] {
    options[0] = load_entities_options(NerProfile::standard);
    options[1] = load_entities_options(NerProfile::heavy);
  });
  return options[profile == NerProfile::standard ? 0 : 1];
}

nodes::ner::ExtractorConfig ner_config(NerProfile profile) {
  // Mirrors ner_extract's factory: built-ins in `entities` order, then `custom` in file order.
  const Value& options = ner_node_options(profile);
  nodes::ner::ExtractorConfig config;
  config.ticket_prefixes = string_list(options.find("ticket_prefixes"), config.ticket_prefixes);
  if (const Value* region = options.find("phone_region")) config.phone_region = region->text();
  for (const std::string& name :
       string_list(options.find("entities"), {"dates", "phones", "emails", "tickets"})) {
    nodes::ner::EntityDefinition definition;
    definition.name = name;
    definition.builtin = nodes::ner::builtin_entity_from_name(name);
    if (!definition.builtin) throw Error(StatusCode::invalid_argument, "unknown entity " + name);
    config.entities.push_back(std::move(definition));
  }
  if (const Value* custom = options.find("custom")) {
    for (const Value& item : custom->items()) {
      nodes::ner::EntityDefinition definition;
      definition.name = item.find("name")->text();
      definition.pattern = item.find("pattern")->text();
      definition.caseless = yaml_true(item.find("caseless"));
      config.entities.push_back(std::move(definition));
    }
  }
  return config;
}

std::shared_ptr<const nodes::ner::EntityExtractor> make_extractor(
    const nodes::ner::ExtractorConfig& config) {
  auto extractor = nodes::ner::EntityExtractor::create(config);
  if (!extractor) throw Error(extractor.status());
  return std::move(extractor).value();
}

const std::vector<RowBatch>& enriched_batches(RawText raw) {
  static const std::vector<RowBatch> with_raw =
      enrich(parsed_export(), *make_extractor(ner_config(NerProfile::standard)), true);
  static const std::vector<RowBatch> without_raw =
      enrich(parsed_export(), *make_extractor(ner_config(NerProfile::standard)), false);
  return raw == RawText::keep ? with_raw : without_raw;
}

}  // namespace sluice::bench
