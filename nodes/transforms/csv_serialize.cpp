#include "transforms/csv_serialize.hpp"

#include "support/csv_options.hpp"
#include "support/csv_writer.hpp"

namespace sluice::nodes {

namespace {

class CsvSerialize final : public Node {
 public:
  explicit CsvSerialize(CsvSerializeOptions options) : options_(options) {
    writer_.dialect.delimiter = options_.delimiter;
    writer_.crlf = options_.crlf;
  }

  NodeShape shape() const override {
    return NodeShape::transform(PayloadKind::rows, PayloadKind::bytes);
  }

  std::vector<Step> steps() override {
    MapStep serialize;
    serialize.process = [this](const Batch& in, const BatchInfo& info) {
      const RowBatch& rows = in.rows();
      block_pool::String text;
      // The first batch of the stream carries the header; csv_parse always sends at least one
      // batch, so a file with no data rows still gets its header.
      if (info.seq == 0 && options_.header && rows.columns()) {
        csv::append_header(*rows.columns(), text, writer_);
      }
      csv::append_rows(rows, text, writer_);
      Batch out;
      out.position = in.position;
      out.payload = ByteChunk::own(std::move(text));
      return out;
    };
    return {serialize};
  }

 private:
  CsvSerializeOptions options_;
  csv::WriterOptions writer_;
};

}  // namespace

NodeType csv_serialize_type() {
  NodeType type;
  type.key = "csv_serialize";
  type.role = NodeRole::transform;
  type.summary = "Serializes rows as RFC 4180 CSV bytes, header first";
  type.options = {
      csv_delimiter_option(),
      option_with_default("line_ending", OptionType::string, "lf", "record terminator: lf or crlf"),
      option_with_default("header", OptionType::boolean, "true", "write the column names first"),
  };
  type.options[1].choices = {"lf", "crlf"};
  type.make = [](const NodeOptions& options) -> Result<std::unique_ptr<Node>> {
    CsvSerializeOptions parsed;
    auto delimiter = read_csv_delimiter(options);
    if (!delimiter) return delimiter.status();
    parsed.delimiter = *delimiter;
    parsed.crlf = options.get_string("line_ending") == "crlf";
    parsed.header = options.get_bool("header");
    return std::unique_ptr<Node>(std::make_unique<CsvSerialize>(parsed));
  };
  return type;
}

}  // namespace sluice::nodes
