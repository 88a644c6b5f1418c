#include "transforms/csv_parse.hpp"

#include <simdjson.h>

#include <algorithm>

#include "sluice/metrics.hpp"
#include "sluice/row_errors.hpp"
#include "support/csv_options.hpp"
#include "support/csv_framer.hpp"
#include "support/csv_row_parser.hpp"

namespace sluice::nodes {

namespace {

class CsvParse final : public Node {
 public:
  CsvParse(CsvParseOptions options, RowErrorPolicy policy)
      : options_(std::move(options)), policy_(std::move(policy)), framer_(dialect()) {
    if (!options_.columns.empty()) {
      auto columns = std::make_shared<Columns>();
      columns->names = options_.columns;
      columns_ = std::move(columns);
    }
  }

  NodeShape shape() const override {
    return NodeShape::transform(PayloadKind::bytes, PayloadKind::rows);
  }

  Status open(RunContext& context) override {
    context_ = &context;
    return policy_.open();
  }

  std::vector<Step> steps() override {
    SerialStep frame;
    frame.process = [this](std::size_t, const Batch& in, Emitter& out) {
      if (!source_) source_ = in.position.source;
      const ByteChunk& chunk = in.chunk();
      for (const csv::RecordBlock& block : framer_.feed(chunk.owner, chunk.bytes)) {
        forward(block, out);
      }
    };
    frame.finish = [this](Emitter& out) {
      csv::RecordBlock last = framer_.finish();
      // Always emit the final block, even when empty, so every downstream step sees at least one
      // batch that carries the columns (a header-only file still yields a header-only output).
      if (!forward(last, out) && !emitted_) {
        // forward() took the header (if this block held it) from its own copy: this one must go
        // out without records.
        last.bytes = {};
        last.record_count = 0;
        emit_block(last, out);
      }
      if (!columns_) {
        throw Error(StatusCode::data_error,
                    (source_ ? *source_ : std::string("input")) +
                        " is empty: expected a header row (or set the `columns` option)");
      }
    };
    MapStep split;
    split.process = [this](const Batch& in, const BatchInfo& info) { return parse(in, info); };
    return {frame, split};
  }

  Status commit() override { return policy_.commit(); }
  void abort() noexcept override { policy_.abort(); }

 private:
  csv::Dialect dialect() const {
    csv::Dialect d;
    d.delimiter = options_.delimiter;
    return d;
  }

  /// Splits the header off the first records, then emits the block. Returns false for a block
  /// with no records left.
  bool forward(csv::RecordBlock block, Emitter& out) {
    if (!columns_ && block.record_count > 0) {
      const std::size_t header_length = csv::first_record_length(block.bytes, dialect());
      auto header = csv::parse_header(block.bytes.substr(0, header_length), dialect());
      if (!header) {
        throw Error(header.status().code(), "header row: " + header.status().message());
      }
      columns_ = std::move(header).value();
      // A header with quoted line breaks spans several lines.
      const std::string_view header_bytes = block.bytes.substr(0, header_length);
      block.first_line += static_cast<std::uint64_t>(
          std::count(header_bytes.begin(), header_bytes.end(), '\n'));
      block.bytes.remove_prefix(header_length);
      block.byte_offset += header_length;
      block.record_count -= 1;
      block.first_row += 1;
    }
    if (block.record_count == 0) return false;
    emit_block(block, out);
    return true;
  }

  void emit_block(const csv::RecordBlock& block, Emitter& out) {
    Batch batch;
    batch.position.source = source_;
    batch.position.byte_offset = block.byte_offset;
    batch.position.first_row = block.first_row;
    batch.position.first_line = block.first_line;
    batch.payload = ByteChunk{block.owner, block.bytes};
    emitted_ = true;
    out.emit(std::move(batch));
  }

  Batch parse(const Batch& in, const BatchInfo& info) {
    const ByteChunk& chunk = in.chunk();
    csv::RecordBlock block;
    block.owner = chunk.owner;
    block.bytes = chunk.bytes;
    block.first_row = in.position.first_row;
    block.first_line = in.position.first_line;
    block.byte_offset = in.position.byte_offset;
    csv::ParsedRows parsed = csv::parse_rows(block, columns_, dialect());
    const std::string_view source = source_ ? std::string_view(*source_) : "input";
    RowErrorPolicy::BatchRows bad_rows{info.seq, {}};
    for (const auto& problem : parsed.problems) {
      const std::string reason =
          problem.reason + (problem.line != 0 && problem.line != problem.row
                                ? " (line " + std::to_string(problem.line) + ")"
                                : std::string());
      policy_.handle(context_->metrics(), bad_rows, source, problem.row, reason, problem.raw);
    }
    policy_.finish_batch(std::move(bad_rows));
    // One SIMD pass over the whole block (several GB/s) instead of a check per text downstream.
    // Field boundaries are ASCII bytes, so every field of a valid block is valid on its own.
    parsed.rows.set_known_valid_utf8(
        simdjson::validate_utf8(chunk.bytes.data(), chunk.bytes.size()));
    Batch out;
    out.position = in.position;
    out.payload = std::move(parsed.rows);
    return out;
  }

  CsvParseOptions options_;
  RowErrorPolicy policy_;
  csv::CsvFramer framer_;
  RunContext* context_ = nullptr;
  // Set by the serial framing step before the first block is emitted; read-only afterwards
  // (the parallel step only runs on blocks emitted after it was set).
  std::shared_ptr<const Columns> columns_;
  std::shared_ptr<const std::string> source_;
  bool emitted_ = false;
};

}  // namespace

NodeType csv_parse_type() {
  NodeType type;
  type.key = "csv_parse";
  type.role = NodeRole::transform;
  type.summary = "Parses RFC 4180 CSV bytes into rows (quoted fields, CRLF/LF, BOM)";
  type.options = {
      csv_delimiter_option(),
      optional_option("columns", OptionType::string_list,
                      "column names when the input has no header row (default: the first row "
                      "is the header)"),
  };
  for (auto& spec : RowErrorPolicy::option_specs()) type.options.push_back(std::move(spec));
  type.make = [](const NodeOptions& options) -> Result<std::unique_ptr<Node>> {
    CsvParseOptions parsed;
    auto delimiter = read_csv_delimiter(options);
    if (!delimiter) return delimiter.status();
    parsed.delimiter = *delimiter;
    if (options.has("columns")) {
      parsed.columns = options.get_string_list("columns");
      if (parsed.columns.empty()) return options.error("columns", "must name at least one column");
    }
    auto policy = RowErrorPolicy::from_options(options);
    if (!policy) return policy.status();
    return std::unique_ptr<Node>(
        std::make_unique<CsvParse>(std::move(parsed), std::move(policy).value()));
  };
  return type;
}

}  // namespace sluice::nodes
